import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files whose project is not known to be quick, by what one of them usually takes (ms) when this
 * run has no timings of its own yet (a fresh clone, as CI is): a browser, a local stack behind
 * HTTP, or a synthesized CDK app cost seconds before the first test.
 */
const UNKNOWN_FILE_GUESS: Readonly<Record<string, number>> = {
  system: 60_000,
  browser: 40_000,
  integration: 8_000,
  e2e: 10_000,
  infra: 8_000,
  unit: 1_000,
};

/**
 * Longest first, across projects: the run ends when its last file does, so a long file that
 * starts last makes every worker but one wait for it. Vitest's own order runs projects one
 * after the other (by name) and only sorts by time within a project. A file's time is its last
 * run's (Vitest keeps it in node_modules/.vite); a file never run gets its project's guess, plus
 * a little per byte so that the bigger of two unknown files goes first.
 */
export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const expected = new Map(files.map((spec) => [spec, this.expectedMs(spec)]));
    return [...files].sort((a, b) => expected.get(b)! - expected.get(a)!);
  }

  private expectedMs(spec: TestSpecification): number {
    const key = `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`;
    const last = this.ctx.cache.getFileTestResults(key);
    if (last?.duration !== undefined) return last.duration;
    let bytes = 0;
    try {
      bytes = statSync(spec.moduleId).size;
    } catch {
      // a file removed since it was listed
    }
    return (UNKNOWN_FILE_GUESS[spec.project.name] ?? 8_000) + bytes / 10;
  }
}
