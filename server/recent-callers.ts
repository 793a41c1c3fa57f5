import type { DeclaredCall } from '../protocol/declarative';

/**
 * Who placed each recent call, so its stop can say "Missed call from …" in
 * the declarative notification Safari shows when the worker cannot run (a
 * call_ended payload names no caller). In memory, per sender instance: a stop
 * handled by another instance says "Missed call", and the worker, when it
 * runs, names the caller from its own call log anyway.
 */
export class RecentCallers {
  private readonly calls = new Map<string, DeclaredCall & { until: number }>();

  constructor(private readonly max = 10_000) {}

  remember(sessionId: string, call: Required<DeclaredCall>, until: number): void {
    this.calls.delete(sessionId);
    this.calls.set(sessionId, { ...call, until });
    // Oldest first (insertion order): what is past its time, and beyond the bound.
    const now = Date.now();
    for (const [id, c] of this.calls) {
      if (this.calls.size <= this.max && c.until > now) break;
      this.calls.delete(id);
    }
  }

  get(sessionId: string): DeclaredCall {
    const c = this.calls.get(sessionId);
    return c ? { callerName: c.callerName, callType: c.callType } : {};
  }
}
