import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../infra/local/data-dir-lock.js';
import { isAlive } from '../../infra/local/process-info.js';
import { dynamoLocalsOn, LocalProcess, newDataDir, serving, until } from '../support/local-process.js';

// The local stack owns its processes: however it is stopped, node and DynamoDB Local (Java) go,
// and the port is free; a crash leaves no DynamoDB Local serving; a data folder has one owner.
const started: LocalProcess[] = [];

afterEach(() => {
  for (const stack of started.splice(0)) stack.kill();
});

/** Starts a stack on the folder, killed after the test whatever happens (by the test's own hook when given). */
async function start(
  dataDir = newDataDir(),
  options: Parameters<typeof LocalProcess.start>[1] = {},
  onTestFinished?: (cleanup: () => void) => void,
) {
  const stack = await LocalProcess.spawn(dataDir, options);
  if (onTestFinished) onTestFinished(() => stack.kill());
  else started.push(stack);
  await stack.waitFor(/Serving the API/, 60_000);
  return stack;
}

/** Node, Java (by pid and by any process on the folder) and the port are all gone. */
async function expectAllGone(stack: LocalProcess, nodePid: number, javaPid: number) {
  await until(15_000, () => !isAlive(nodePid), 'node stopped');
  await until(10_000, () => !isAlive(javaPid) && dynamoLocalsOn(stack.dataDir).length === 0, 'Java stopped');
  expect(await serving(stack.port)).toBe(false);
}

describe('the local stack stops everything it started', () => {
  // `npm start` execs node (with tsx's loader), so npm's one child is the node that runs the
  // stack: npm passes SIGINT and SIGTERM on to it, and dies of SIGHUP without passing it on, which
  // the stack sees as its launcher going. In every case the stack stops. Stacks run at once, to
  // keep the suite short.
  const cases = [
    { signal: 'SIGTERM', to: 'npm' },
    { signal: 'SIGINT', to: 'npm' },
    { signal: 'SIGHUP', to: 'npm' },
    { signal: 'SIGINT', to: 'node' },
  ] as const;
  it.concurrent.for(cases)(
    '$signal to $to stops node and DynamoDB Local and frees the port',
    { timeout: 90_000 },
    async ({ signal, to }, { onTestFinished }) => {
      const stack = await start(newDataDir(), { viaNpm: to === 'npm' }, onTestFinished);
      const nodePid = stack.nodePid!;
      const javaPid = stack.dynamo!.pid;
      expect(isAlive(javaPid)).toBe(true);
      process.kill(to === 'npm' ? stack.child.pid! : nodePid, signal);
      expect(await stack.endsWithin(20_000)).toBe(true);
      await expectAllGone(stack, nodePid, javaPid);
      expect(stack.output).toMatch(/Stopped\./);
      expect(existsSync(join(stack.dataDir, LOCK_FILE))).toBe(false);
    },
  );
});

describe('a data folder has one owner, and a crash leaves no DynamoDB Local serving it', () => {
  // (A SIGKILL of node with the watchdog alive: see crash-recovery.test.ts.)
  it('a DynamoDB Local left serving the folder (watchdog killed too) is stopped by the next start; a third start is refused in one line; SIGHUP to node stops all', async () => {
    const crashed = await start();
    const { pid: staleJava } = crashed.dynamo!;
    const ownerToken = crashed.ownerToken!;
    await crashed.crashLeavingDynamoLocal();
    await new Promise((r) => setTimeout(r, 500));
    expect(dynamoLocalsOn(crashed.dataDir)).toEqual([staleJava]);

    const owner = await start(crashed.dataDir);
    expect(owner.output).toContain(
      `Stopped a DynamoDB Local left running on ${crashed.dataDir} (pid ${staleJava}`,
    );
    expect(isAlive(staleJava)).toBe(false);
    expect(dynamoLocalsOn(crashed.dataDir)).toEqual([owner.dynamo!.pid]);
    expect((await owner.api.get(ownerToken, '/caller-identity')).status).toBe(200);

    const refused = await LocalProcess.spawn(crashed.dataDir);
    started.push(refused);
    expect((await refused.exited).code).toBe(1);
    expect(refused.output.trim().split('\n')).toEqual([
      expect.stringContaining(`is in use by another local stack (pid ${owner.nodePid})`),
    ]);
    // The owner is untouched by the attempt.
    expect((await owner.api.get(ownerToken, '/caller-identity')).status).toBe(200);
    expect(dynamoLocalsOn(crashed.dataDir)).toEqual([owner.dynamo!.pid]);

    const nodePid = owner.nodePid!;
    const javaPid = owner.dynamo!.pid;
    process.kill(nodePid, 'SIGHUP');
    await expectAllGone(owner, nodePid, javaPid);
    expect(owner.output).toMatch(/SIGHUP: stopping…[\s\S]*Stopped\./);
  }, 90_000);
});
