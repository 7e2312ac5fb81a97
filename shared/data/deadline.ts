import { AsyncLocalStorage } from 'node:async_hooks';
import { CircuitBreaker } from './circuit-breaker.js';

export interface DeadlineBounds {
  /** How long one attempt of one call may take, connecting included. */
  readonly attemptTimeoutMs: number;
  /** How long all the calls of one piece of work may take together, retries and delays included. */
  readonly budgetMs: number;
  /** How long calls fail at once after a piece of work found the database not answering (0: never). */
  readonly breakerMs: number;
}

/**
 * A call refused without being sent: the work's budget is spent, or the breaker is open. Its name
 * is not one the SDK retries (a retry could only be refused again, after a delay).
 */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

interface Scope {
  readonly bounds: DeadlineBounds;
  readonly deadline: number;
  /** Some attempt of this work got no answer (timed out, or the connection failed). */
  waited: boolean;
  /**
   * `run` has returned; calls still made in this scope (a write the work left running) are never
   * the breaker's trial, since nothing would be left to judge its outcome.
   */
  over: boolean;
}

/**
 * Tighter bounds for the DynamoDB calls of one kind of work (the authorizer's decision), without
 * passing them through every repository: `run` marks the work's calls (AsyncLocalStorage follows
 * them through the SDK), and the clients' request handler asks `attempt` how to send each attempt.
 * Calls outside `run` keep the clients' own bounds.
 */
export class DeadlineGuard {
  private readonly scopes = new AsyncLocalStorage<Scope>();
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly bounds: () => DeadlineBounds,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.breaker = new CircuitBreaker(now);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const bounds = this.bounds();
    const scope: Scope = { bounds, deadline: this.now() + bounds.budgetMs, waited: false, over: false };
    try {
      return await this.scopes.run(scope, work);
    } catch (error) {
      if (scope.waited) this.breaker.unanswered(scope, bounds.breakerMs);
      throw error;
    } finally {
      scope.over = true;
      this.breaker.ended(scope);
    }
  }

  /**
   * One attempt of a call: sent with the time left to it (`send(timeoutMs)`), or refused at once
   * when the breaker is open or the work's budget is spent. Outside `run`, sent as it is.
   */
  async attempt<R>(send: (timeoutMs?: number) => Promise<R>): Promise<R> {
    const scope = this.scopes.getStore();
    if (scope === undefined) return send();
    if (!this.breaker.admits(scope, !scope.over))
      throw new DatabaseUnavailableError('the database did not answer a moment ago: failing fast');
    const left = scope.deadline - this.now();
    if (left <= 0) throw this.spent(scope);
    try {
      const answer = await send(Math.min(scope.bounds.attemptTimeoutMs, Math.ceil(left)));
      this.breaker.answered();
      return answer;
    } catch (error) {
      scope.waited = true;
      // Cut by the budget: not worth a retry (it would only be refused, after the SDK's delay).
      if (scope.deadline - this.now() <= 0) throw this.spent(scope);
      throw error;
    }
  }

  get breakerOpen(): boolean {
    return this.breaker.isOpen;
  }

  private spent(scope: Scope): DatabaseUnavailableError {
    return new DatabaseUnavailableError(`no answer from the database within ${scope.bounds.budgetMs} ms`);
  }
}
