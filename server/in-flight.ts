/** Work started and not yet settled, so a stopping sender can wait for it (graceful shutdown). */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => {});
  }

  /** Resolves when everything tracked so far has settled, including work it started meanwhile. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
