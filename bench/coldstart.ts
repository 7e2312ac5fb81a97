/**
 * Cold start benchmark: every function's bundle, built as CDK builds it (esbuild, ESM, minified,
 * the AWS SDK bundled), its size, and the median time to import it in a fresh Node process, beside
 * a bundle that only constructs the DynamoDB client. Goal: the authorizer's import ≤ 1.5× that,
 * printed with PASS or MISS; a miss exits non-zero.
 *
 * Run: npm run bench:coldstart (`-- --quick`: fewer imports of each bundle, to check it end to end)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleHandler } from '../infra/constructs/bundling.js';
import { fmt, iterations, median, runBenchmark, verdict } from './support.js';

const RUNS = iterations(21, 5);
const AUTHORIZER_GOAL = 1.5;
const ENTRIES: Record<string, string> = {
  authorizer: 'functions/authorizer/handler.ts',
  tokens: 'functions/tokens/handler.ts',
  members: 'functions/members/handler.ts',
  invitations: 'functions/invitations/handler.ts',
  roles: 'functions/roles/handler.ts',
  resources: 'functions/resources/handler.ts',
  identity: 'functions/identity/handler.ts',
  'members-stream': 'functions/streams/members.ts',
  'tokens-stream': 'functions/streams/tokens.ts',
  'roles-stream': 'functions/streams/roles.ts',
  'grace-sweeper': 'functions/sweeper/handler.ts',
};

/** Median ms to import the bundle in a new Node process (module evaluation included). */
function importTime(file: string): number {
  const url = pathToFileURL(file).href;
  const script = `const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`;
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    samples.push(Number(out.toString().trim()));
  }
  return median(samples);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'coldstart-'));
  const baselineEntry = 'bench/coldstart-baseline.ts';
  const rows: { name: string; size: number; ms: number }[] = [];
  const baselineFile = join(dir, 'baseline.mjs');
  const baselineSize = await bundleHandler(baselineEntry, baselineFile);
  const baselineMs = importTime(baselineFile);
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const file = join(dir, `${name}.mjs`);
    const size = await bundleHandler(entry, file);
    rows.push({ name, size, ms: importTime(file) });
  }
  console.log(
    `Cold start: bundle size and median import time in a fresh Node ${process.version} process (${RUNS} runs each)\n`,
  );
  console.log(
    `${'bundle'.padEnd(28)}${'size'.padStart(10)}${'import'.padStart(12)}${'vs baseline'.padStart(14)}`,
  );
  console.log(
    `${'baseline (DynamoDB client)'.padEnd(28)}${`${fmt(baselineSize / 1024, 0)} KB`.padStart(10)}${`${fmt(baselineMs, 1)} ms`.padStart(12)}${'1.00×'.padStart(14)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(28)}${`${fmt(row.size / 1024, 0)} KB`.padStart(10)}${`${fmt(row.ms, 1)} ms`.padStart(12)}${`${fmt(row.ms / baselineMs)}×`.padStart(14)}`,
    );
  }
  const authorizer = rows.find((r) => r.name === 'authorizer')!;
  verdict(
    "the authorizer's import time / the baseline's",
    authorizer.ms / baselineMs,
    AUTHORIZER_GOAL,
    (v) => `${fmt(v)}×`,
  );
}

runBenchmark(main);
