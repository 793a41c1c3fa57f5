/** How often a store sweeps expired ring tokens, piggybacking on new ones (no timer to own). */
const PRUNE_EVERY_MS = 60_000;

/** Says when a sweep of expired rows is due: at most once per PRUNE_EVERY_MS. */
export class PruneClock {
  private last = 0;

  due(now: number): boolean {
    if (now - this.last < PRUNE_EVERY_MS) return false;
    this.last = now;
    return true;
  }
}
