import type { DeliveryCounts } from '../../protocol/api';

/** What the demo caller sees after a ring: how many of the callee's devices it reached. */
export function describeRing(callee: string, c: DeliveryCounts): string {
  if (c.devices === 0) return `${callee} has no device that can ring: they need to sign in and enable ringing first.`;
  const parts = [`${c.delivered} of ${c.devices} device${c.devices === 1 ? '' : 's'} reached`];
  if (c.pending) parts.push(`${c.pending} still trying`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.purged) parts.push(`${c.purged} gone (removed)`);
  return `Ringing ${callee}: ${parts.join(', ')}.`;
}
