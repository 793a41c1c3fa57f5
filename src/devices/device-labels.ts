/**
 * How the device list names each device and says how its last ring went, in
 * words a user reads (no outcome codes), so that two browsers of one kind can
 * be told apart before one is removed.
 */
import type { DeviceInfo } from '../../protocol/api';
import { describeUserAgent } from '../platform/describe';

export interface DeviceLabel {
  endpoint: string;
  /** "Firefox 153 on Linux", with "(2)" and so on when several share that name */
  name: string;
  /** "Added 1 Dec 2026, 16:50" */
  added: string;
  /** how the last ring went, in plain words */
  status: string;
  /** the last ring did not reach the device */
  problem: boolean;
  thisDevice: boolean;
}

const when = (iso: string, locale?: string) =>
  new Date(iso).toLocaleString(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

export function ringStatus(d: Pick<DeviceInfo, 'lastOutcome' | 'lastOutcomeAt'>, locale?: string): { status: string; problem: boolean } {
  if (!d.lastOutcome) return { status: 'No call has rung it yet', problem: false };
  const at = d.lastOutcomeAt ? ` (${when(d.lastOutcomeAt, locale)})` : '';
  if (d.lastOutcome === 'delivered') return { status: `The last call reached it${at}`, problem: false };
  if (d.lastOutcome === 'purged') return { status: `Its browser stopped accepting calls${at}`, problem: true };
  return { status: `The last call did not reach it${at}; it will be tried again on the next call`, problem: true };
}

/** Labels in the sender's order; devices with one description are numbered oldest first. */
export function deviceLabels(devices: readonly DeviceInfo[], thisEndpoint: string | undefined, locale?: string): DeviceLabel[] {
  const names = devices.map((d) => describeUserAgent(d.userAgent));
  const byAge = devices.map((d, i) => ({ i, t: Date.parse(d.createdAt) })).sort((a, b) => a.t - b.t);
  const ordinal = new Map<number, number>();
  const seen = new Map<string, number>();
  for (const { i } of byAge) {
    const n = (seen.get(names[i]!) ?? 0) + 1;
    seen.set(names[i]!, n);
    ordinal.set(i, n);
  }
  return devices.map((d, i) => ({
    endpoint: d.endpoint,
    name: seen.get(names[i]!)! > 1 ? `${names[i]} (${ordinal.get(i)})` : names[i]!,
    added: `Added ${when(d.createdAt, locale)}`,
    ...ringStatus(d, locale),
    thisDevice: d.endpoint === thisEndpoint,
  }));
}
