import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { logger, withLogContext } from '../../shared/http/logger.js';
import { type Api, addMember } from '../support/api.js';
import { startTestStack } from '../support/stack.js';

// Locally many invocations run at once in one process: each logs with its own keys only.
let stack: LocalStack;
let api: Api;
let owner: string;

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
});

afterAll(async () => {
  await stack.stop();
});

/** The JSON log lines written while `run` runs (Powertools writes them to stdout and stderr). */
async function captureLogs(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  logger.setLogLevel('INFO');
  try {
    await run();
  } finally {
    logger.setLogLevel('SILENT');
    out.mockRestore();
    err.mockRestore();
  }
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('log context', () => {
  it("concurrent requests' log lines carry only their own request's keys", async () => {
    const reader = await addMember(api, owner, 'reader');
    const callers = [
      { token: owner, path: '/projects', route: 'GET /api/v2/projects' },
      { token: reader.token, path: '/tokens', route: 'GET /api/v2/tokens' },
      { token: reader.token, path: '/caller-identity', route: 'GET /api/v2/caller-identity' },
    ];
    const tokenIdOf = new Map<string, string>();
    for (const caller of callers) {
      const identity = await api.get(caller.token, '/caller-identity');
      tokenIdOf.set(caller.token, identity.body.tokenId);
    }
    const expected = new Map<string, { route: string; tokenId: string }>();
    const handled: string[] = [];
    const lines = await captureLogs(async () => {
      await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const caller = callers[i % callers.length]!;
          const response = await fetch(`${stack.url}/api/v2${caller.path}`, {
            headers: { Authorization: caller.token },
          });
          if (response.status === 200) handled.push(response.headers.get('x-request-id')!);
          expected.set(response.headers.get('x-request-id')!, {
            route: caller.route,
            tokenId: tokenIdOf.get(caller.token)!,
          });
        }),
      );
    });
    // Every handled request logs its one 'request' line under its own id (a busy machine may
    // answer some with a 503 before they reach a handler).
    const own = lines.filter((l) => typeof l.requestId === 'string' && expected.has(l.requestId));
    const logged = own.filter((line) => line.message === 'request').map((line) => line.requestId);
    expect(handled.length).toBeGreaterThanOrEqual(10);
    expect(logged.sort()).toEqual(handled.sort());
    // A request's lines carry its own keys, or (before its handler ran, e.g. a 503 refused at the
    // gateway under load) none: never another request's.
    for (const line of own) {
      const request = expected.get(line.requestId as string)!;
      const ownKeys = { route: line.route ?? request.route, tokenId: line.tokenId ?? request.tokenId };
      expect(ownKeys, JSON.stringify(line)).toEqual(request);
      if (line.message === 'request') expect({ route: line.route, tokenId: line.tokenId }).toEqual(request);
    }
  });

  it('keys appended in one invocation are not seen by another, nor outside any', async () => {
    const lines = await captureLogs(async () => {
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      await Promise.all(
        ['a', 'b', 'c'].map((key, i) =>
          withLogContext(async () => {
            logger.appendKeys({ invocation: key });
            await sleep(30 - i * 10);
            logger.info('done', { expected: key });
          }),
        ),
      );
      logger.info('outside');
    });
    const done = lines.filter((line) => line.message === 'done');
    expect(done).toHaveLength(3);
    for (const line of done) expect(line.invocation).toBe(line.expected);
    expect(lines.find((line) => line.message === 'outside')).not.toHaveProperty('invocation');
  });
});
