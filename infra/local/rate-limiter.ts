/**
 * What a WAF rate-based rule does on AWS (ApiFirewall), locally: at most `requests` requests per
 * client address in any `windowMs`; past that the address is refused until its oldest request in
 * the window ages out. A sliding log of request times per address, kept only while it holds any.
 * Written here because it is a dozen lines of bookkeeping in one process; WAF is the real thing.
 */
export class AddressRateLimiter {
  private readonly log = new Map<string, number[]>();
  private checks = 0;

  constructor(
    private readonly requests: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one request from `address`; false when it is over the limit (the request is refused). */
  admit(address: string, now = Date.now()): boolean {
    if (++this.checks % 1000 === 0) this.forgetIdle(now);
    const recent = (this.log.get(address) ?? []).filter((at) => at > now - this.windowMs);
    const admitted = recent.length < this.requests;
    if (admitted) recent.push(now);
    this.log.set(address, recent);
    return admitted;
  }

  /** Drops addresses with nothing left in the window, so the map does not grow with every client seen. */
  private forgetIdle(now: number): void {
    for (const [address, times] of this.log) {
      if (times.every((at) => at <= now - this.windowMs)) this.log.delete(address);
    }
  }
}
