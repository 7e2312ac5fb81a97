/**
 * Runs the CLI for a test: in process (the same `run` the bin calls, with captured streams), or
 * as a real child process where the process itself is the point (the bin and its exit status,
 * stdin, `npm run cli`). Every run is kept in a transcript, so a file can check at its end that no
 * output held a secret it was not asked to create. A HOME of its own holds the profile file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { run } from '../../cli/program.js';

const BIN = join(process.cwd(), 'cli', 'access-tokens.mjs');

/** A token or invitation code value (token-format.ts: prefix, 33 + 6 base62 characters). */
export const SECRET = /\bat[ki]_[0-9A-Za-z]{39}\b/g;

export interface CliResult {
  readonly args: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  readonly env?: Record<string, string>;
  readonly stdin?: string;
  readonly signal?: AbortSignal;
  readonly live?: { stdout: string };
}

export const json = (result: CliResult) => JSON.parse(result.stdout);
/** Run with this token (ACCESS_TOKENS_TOKEN), not the profile's. */
export const as = (token: string): CliRunOptions => ({ env: { ACCESS_TOKENS_TOKEN: token } });

export class CliRunner {
  readonly transcript: CliResult[] = [];
  /** Secrets the test knows of: those it was given, and those create-like commands printed. */
  readonly knownSecrets = new Set<string>();
  readonly home = mkdtempSync(join(tmpdir(), 'cli-home-'));

  readonly profileFile = () => join(this.home, '.config', 'access-tokens', 'config.json');

  private readonly baseEnv = (): Record<string, string> => ({
    HOME: this.home,
    XDG_CONFIG_HOME: join(this.home, '.config'),
  });

  private readonly record = (result: CliResult): CliResult => {
    this.transcript.push(result);
    return result;
  };

  /** In process: `run` with captured streams, as the bin calls it. */
  readonly cli = async (args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> => {
    let stdout = '';
    let stderr = '';
    const code = await run(args, {
      stdout: (text) => {
        stdout += text;
        if (options.live) options.live.stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: { ...this.baseEnv(), ...options.env },
      stdin: Readable.from(options.stdin !== undefined ? [options.stdin] : []),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return this.record({ args, code, stdout, stderr });
  };

  /** A real process: node, the bin, tsx, the CLI (or `command`, e.g. npx, with `args` as they are). */
  readonly spawnCli = (
    command: string,
    args: readonly string[],
    options: CliRunOptions = {},
  ): Promise<CliResult> => {
    const child = spawn(command, command === process.execPath ? [BIN, ...args] : args, {
      env: { PATH: process.env.PATH ?? '', ...this.baseEnv(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdin.end(options.stdin ?? '');
    return new Promise((resolve) =>
      child.once('close', (code) => resolve(this.record({ args, code: code ?? -1, stdout, stderr }))),
    );
  };

  /** The bin as a real process. */
  readonly bin = (args: readonly string[], options: CliRunOptions = {}) =>
    this.spawnCli(process.execPath, args, options);

  /** The one secret a create-like command printed (now known). */
  readonly secretIn = (result: CliResult): string => {
    const found = [...new Set(result.stdout.match(SECRET) ?? [])];
    expect(found).toHaveLength(1);
    this.knownSecrets.add(found[0]!);
    return found[0]!;
  };

  /**
   * No run printed a secret it was not asked to create (`creates`: the commands that may print
   * one, once, on stdout), nor one it was given or authenticated with; stderr never holds one.
   */
  readonly expectNoStraySecrets = (creates: readonly string[]): void => {
    for (const result of this.transcript) {
      const mayPrint = creates.some((c) => result.args.join(' ').startsWith(c));
      const printed = [...(result.stdout.match(SECRET) ?? [])];
      expect(result.stderr.match(SECRET), result.args.join(' ')).toBeNull();
      expect(printed.length, result.args.join(' ')).toBeLessThanOrEqual(mayPrint ? 1 : 0);
      for (const secret of printed) expect(this.knownSecrets).toContain(secret);
    }
  };

  remove(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}
