/** Polls `probe` until it returns true, and answers how long that took (ms); throws after `withinMs`. */
export async function within(
  withinMs: number,
  probe: () => Promise<boolean>,
  intervalMs = 25,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > withinMs) throw new Error(`not true within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
