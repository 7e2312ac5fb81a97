import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../shared/data/circuit-breaker.js';
import { DatabaseUnavailableError, type DeadlineBounds, DeadlineGuard } from '../../shared/data/deadline.js';

/** A clock the test moves by hand: no test here waits for real time. */
function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const BOUNDS: DeadlineBounds = { attemptTimeoutMs: 250, budgetMs: 600, breakerMs: 1000 };

/** A guard, and a send that records the timeout it was given and answers or not as told. */
function setup(bounds: DeadlineBounds = BOUNDS) {
  const time = clock();
  const guard = new DeadlineGuard(() => bounds, time.now);
  const timeouts: (number | undefined)[] = [];
  const send = (outcome: 'answer' | 'no answer', takesMs = 0) =>
    guard.attempt(async (timeoutMs) => {
      timeouts.push(timeoutMs);
      time.advance(takesMs);
      if (outcome === 'no answer') throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
      return 'answer';
    });
  return { time, guard, send, timeouts };
}

describe('the deadline of the authorizer reads', () => {
  it('leaves calls made outside a guarded run as they are', async () => {
    const { send, timeouts } = setup();
    expect(await send('answer')).toBe('answer');
    expect(timeouts).toEqual([undefined]);
  });

  it('gives each attempt the shorter of its own timeout and what is left of the budget', async () => {
    const { guard, send, timeouts } = setup();
    await guard.run(async () => {
      await send('answer', 400);
      await send('answer', 100);
      await send('answer');
    });
    expect(timeouts).toEqual([250, 200, 100]);
  });

  it('refuses, without sending it, an attempt once the budget is spent', async () => {
    const { guard, send, time, timeouts } = setup();
    const run = guard.run(async () => {
      await send('answer');
      time.advance(600);
      await send('answer');
    });
    await expect(run).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(timeouts).toHaveLength(1);
  });

  it('turns an attempt cut by the budget into a refusal the SDK does not retry', async () => {
    const { guard, send } = setup({ ...BOUNDS, budgetMs: 250 });
    const error = (await guard.run(() => send('no answer', 250)).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error.name).not.toBe('TimeoutError');
  });

  it('passes on a timed-out attempt while budget is left, so the SDK may retry it', async () => {
    const { guard, send } = setup();
    const error = (await guard.run(() => send('no answer', 250)).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('TimeoutError');
  });
});

describe('the breaker of the authorizer reads', () => {
  it('after a decision found the database not answering, refuses the next at once, unsent', async () => {
    const { guard, send, timeouts } = setup();
    await expect(guard.run(() => send('no answer', 600))).rejects.toThrow();
    expect(guard.breakerOpen).toBe(true);
    await expect(guard.run(() => send('answer'))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(timeouts).toHaveLength(1);
  });

  it('lets one decision try once its time is up, and the first answer closes it', async () => {
    const { guard, send, time, timeouts } = setup();
    await expect(guard.run(() => send('no answer', 600))).rejects.toThrow();
    time.advance(1000);
    let other: Promise<unknown> | undefined;
    await guard.run(async () => {
      const answer = send('answer');
      // While the trial is out, everyone else is still refused.
      other = guard.run(() => send('answer'));
      return answer;
    });
    await expect(other).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(guard.breakerOpen).toBe(false);
    expect(await guard.run(() => send('answer'))).toBe('answer');
    expect(timeouts).toHaveLength(3);
  });

  it('opens again for its full time when the trial gets no answer either', async () => {
    const { guard, send, time } = setup();
    await expect(guard.run(() => send('no answer', 600))).rejects.toThrow();
    time.advance(1000);
    await expect(guard.run(() => send('no answer', 600))).rejects.toThrow();
    time.advance(999);
    await expect(guard.run(() => send('answer'))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    time.advance(1);
    expect(await guard.run(() => send('answer'))).toBe('answer');
  });

  it('is not kept open by the decisions it refuses (they waited for nothing)', async () => {
    const { guard, send, time } = setup();
    await expect(guard.run(() => send('no answer', 600))).rejects.toThrow();
    for (let i = 0; i < 9; i++) {
      time.advance(100);
      await expect(guard.run(() => send('answer'))).rejects.toBeInstanceOf(DatabaseUnavailableError);
    }
    time.advance(100);
    expect(await guard.run(() => send('answer'))).toBe('answer');
  });

  it('does not open on a decision that failed with the database answering', async () => {
    const { guard, send } = setup();
    const failing = guard.run(async () => {
      await send('answer');
      throw new Error('a bug, not the database');
    });
    await expect(failing).rejects.toThrow('a bug');
    expect(guard.breakerOpen).toBe(false);
  });

  it('never lets a call left running by a finished decision be its trial (nothing would judge it)', async () => {
    const { guard, send, time } = setup({ ...BOUNDS, budgetMs: 10_000 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let leftRunning: Promise<unknown> = Promise.resolve();
    await guard.run(async () => {
      leftRunning = gate.then(() => send('no answer', 250));
    });
    await expect(guard.run(() => send('no answer', 250))).rejects.toThrow();
    time.advance(1000);
    release();
    await expect(leftRunning).rejects.toBeInstanceOf(DatabaseUnavailableError);
    // The trial is still there for the next decision.
    expect(await guard.run(() => send('answer'))).toBe('answer');
  });

  it('never opens with a breaker time of 0', async () => {
    const { guard, send } = setup({ ...BOUNDS, breakerMs: 0 });
    await expect(guard.run(() => send('no answer', 600))).rejects.toThrow();
    expect(guard.breakerOpen).toBe(false);
    expect(await guard.run(() => send('answer'))).toBe('answer');
  });
});

describe('the circuit breaker alone', () => {
  it('admits everyone while closed, one trial after its time, and closes on an answer', () => {
    const time = clock();
    const breaker = new CircuitBreaker(time.now);
    const [a, b] = [{}, {}];
    expect(breaker.admits(a)).toBe(true);
    breaker.unanswered(a, 500);
    expect(breaker.admits(b)).toBe(false);
    time.advance(500);
    expect(breaker.admits(b)).toBe(true);
    expect(breaker.admits(a)).toBe(false);
    breaker.ended(b);
    expect(breaker.admits(a)).toBe(true);
    breaker.answered();
    expect(breaker.isOpen).toBe(false);
  });
});
