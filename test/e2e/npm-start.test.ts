import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb-local.js';
import { TABLES } from '../../shared/data/tables.js';
import { runTsx } from '../support/run.js';

// A newcomer's path: `npm start` prints the owner token, which then works with curl-like calls.
let child: ChildProcess | undefined;

afterAll(() => {
  // The whole process group, as Ctrl-C would: npm, tsx, node and DynamoDB Local.
  try {
    if (child?.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
});

function waitFor(output: () => string, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const match = output().match(pattern);
      if (match) {
        clearInterval(timer);
        resolve(match);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output()}`));
      }
    }, 100);
  });
}

describe('npm start', () => {
  it('prints the owner token once, with progress lines and request logs kept in a file, serves the API, and stops cleanly on SIGINT', async () => {
    const port = await freePort();
    let output = '';
    child = spawn('npm', ['start', '--', '--in-memory'], {
      env: { ...process.env, PORT: String(port), POWERTOOLS_LOG_LEVEL: 'INFO' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    const [, token] = await waitFor(() => output, /Owner token: (atk_\S+)/, 60_000);
    await waitFor(() => output, /Serving the API/, 10_000);
    const reply = await fetch(`http://localhost:${port}/api/v2/caller-identity`, {
      headers: { Authorization: token! },
    });
    expect(reply.status).toBe(200);
    expect(((await reply.json()) as { tokenKind: string }).tokenKind).toBe('personal');
    expect(output.match(/Owner token:/g)).toHaveLength(1);
    // Each step says when it is done and how long it took.
    for (const step of [
      /DynamoDB Local is up \(\d+\.\d s\)/,
      new RegExp(`Created tables: [\\w-]+(, [\\w-]+){${TABLES.length - 1}} \\(\\d+\\.\\d s\\)`),
      /Stream poller and TTL sweeper running \(\d+\.\d s\)/,
      /Account created \(\d+\.\d s\)/,
      /Console sign-in ready \(\d+\.\d s\)/,
      /Serving the API on \S+ \(authorizer cache TTL \d+ s\), ready \d+\.\d s after the start/,
    ])
      expect(output).toMatch(step);
    // The request's log line went to the file the startup lines name (written before the answer),
    // not to the terminal.
    const [, logFile] = output.match(/Request logs: (\S+requests\.log) /)!;
    const logged = readFileSync(logFile!, 'utf8').trim().split('\n');
    expect(JSON.parse(logged.at(-1)!)).toMatchObject({
      message: 'request',
      route: 'GET /api/v2/caller-identity',
      status: 200,
    });
    expect(output).not.toContain('"message":"request"');
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child?.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // Ctrl-C signals the terminal's foreground process group, not just npm.
    process.kill(-child.pid!, 'SIGINT');
    // npm itself ends by the signal, as it does on Ctrl-C; the stack below it shuts down cleanly.
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGINT').toBe(true);
    await waitFor(() => output, /Stopped\./, 10_000);
    expect(output).not.toMatch(/\n\s+at /);
  }, 90_000);

  it('a busy port is a one-line explanation, not a stack trace', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const result = await runStart({ PORT: String(port) }, ['--in-memory']);
    blocker.close();
    expect(result.code).toBe(1);
    expect(result.output).toContain(`Port ${port} is already in use`);
    expect(result.output).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('a missing Java is a one-line explanation', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'nojava-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const result = await runStart({ PATH: bin, PORT: String(await freePort()) }, ['--in-memory']);
    expect(result.code).toBe(1);
    expect(result.output).toContain('Java was not found');
    expect(result.output).not.toMatch(/\n\s+at /);
  }, 60_000);

  it.each([
    ['openjdk version "11.0.20" 2023-07-18', 'Java 11.0.20 is too old'],
    ['java version "1.8.0_381"', 'Java 1.8.0_381 is too old'],
  ])(
    'a Java older than 17 (%s) is a one-line explanation, and the data folder is not blamed',
    async (version, told) => {
      // A `java` as an old JVM behaves: it prints its version, and fails to load DynamoDB Local's
      // main class (compiled for Java 17) with UnsupportedClassVersionError.
      const bin = mkdtempSync(join(tmpdir(), 'oldjava-'));
      writeFileSync(
        join(bin, 'java'),
        [
          '#!/bin/sh',
          `if [ "$1" = "-version" ]; then echo '${version}' >&2; exit 0; fi`,
          "echo 'Error: LinkageError occurred while loading main class software.amazon.dynamodb.services.local.main.ServerRunner' >&2",
          "echo '  java.lang.UnsupportedClassVersionError: software/amazon/dynamodb/services/local/main/ServerRunner has been compiled by a more recent version of the Java Runtime (class file version 61.0)' >&2",
          'exit 1',
        ].join('\n'),
        { mode: 0o755 },
      );
      const dir = mkdtempSync(join(tmpdir(), 'data-'));
      const result = await runStart(
        { PATH: `${bin}:${process.env.PATH}`, LOCAL_DATA_DIR: dir, PORT: String(await freePort()) },
        [],
      );
      expect(result.code).toBe(1);
      const last = result.output.trim().split('\n').at(-1);
      expect(last).toContain(told);
      expect(last).toContain('DynamoDB Local needs Java 17 or newer');
      expect(result.output).not.toContain('could not use its data');
      expect(result.output).not.toMatch(/\n\s+at /);
    },
    60_000,
  );

  it('a corrupt data folder is a one-line explanation of what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corrupt-'));
    writeFileSync(join(dir, 'shared-local-instance.db'), randomBytes(8192));
    const result = await runStart({ LOCAL_DATA_DIR: dir, PORT: String(await freePort()) }, []);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`could not use its data in ${dir}/`);
    expect(result.output).toContain('--in-memory');
    expect(result.output).not.toMatch(/\n\s+at /);
  }, 60_000);
});

/** Runs the `npm start` entry directly (node + tsx), to see how it fails. */
function runStart(env: Record<string, string>, args: string[]) {
  return runTsx('infra/local/start.ts', args, { ...process.env, ...env });
}
