import type { CallTraceResponse, DeviceTrace, PushTraceInfo } from '../../protocol/api';
import type { PushTrace } from '../store/types';

/** The store's traces of one call, per device (in the order each was first sent to). */
export function callTrace(sessionId: string, traces: readonly PushTrace[]): CallTraceResponse {
  const devices = new Map<string, DeviceTrace>();
  for (const t of traces) {
    let device = devices.get(t.deviceId);
    if (!device) {
      device = { deviceId: t.deviceId, uid: t.uid, pushService: t.pushService };
      devices.set(t.deviceId, device);
    }
    if (t.type === 'ring') device.ring = { ...pushInfo(t), shownAt: iso(t.shownAt) };
    else device.callEnded = pushInfo(t);
  }
  return { sessionId, devices: [...devices.values()] };
}

function pushInfo(t: PushTrace): PushTraceInfo {
  return { sentAt: iso(t.sentAt), answer: t.answer, retries: t.retries, outcome: t.outcome, finishedAt: iso(t.finishedAt) };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
