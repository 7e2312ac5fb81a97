/**
 * Fail fast while a dependency is known not to answer. After a piece of work waited for an answer
 * that never came, the breaker is open: the next calls are refused at once, instead of each
 * waiting out its own timeout. Once `openMs` has passed, one piece of work is let through to try
 * (the others are still refused); the first answer from the dependency, from anyone, closes it.
 * It lives in the process, so on AWS each Lambda instance learns of a stall for itself.
 */
export class CircuitBreaker {
  /** When the breaker lets a trial through; undefined while closed. */
  private openUntil: number | undefined;
  /** The piece of work let through to try while the breaker is open. */
  private trial: object | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Whether `work` may call the dependency now; it may become the trial if `mayTry`. */
  admits(work: object, mayTry = true): boolean {
    if (this.openUntil === undefined || this.trial === work) return true;
    if (!mayTry || this.trial !== undefined || this.now() < this.openUntil) return false;
    this.trial = work;
    return true;
  }

  /** The dependency answered (whatever the answer): it is alive. */
  answered(): void {
    this.openUntil = undefined;
    this.trial = undefined;
  }

  /** `work` failed after waiting for an answer that never came: refuse calls for `openMs`. */
  unanswered(work: object, openMs: number): void {
    if (this.trial === work) this.trial = undefined;
    if (openMs > 0) this.openUntil = this.now() + openMs;
  }

  /** `work` is over; if it was the trial and never got to an outcome, the next one may try. */
  ended(work: object): void {
    if (this.trial === work) this.trial = undefined;
  }

  get isOpen(): boolean {
    return this.openUntil !== undefined;
  }
}
