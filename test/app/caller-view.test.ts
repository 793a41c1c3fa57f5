import { describe, expect, it } from 'vitest';
import type { CallEvent, CallEventType } from '../../protocol/events';
import { callerView, nextCallerPhase, readEventStream, type CallerPhase } from '../../src/components/caller-view';

const event = (type: CallEventType, data: Partial<CallEvent['data']> = {}): CallEvent => ({ type, timestamp: '2026-12-01T12:00:00.000Z', data: { sessionId: 's', recipientUid: 'ada', ...data } });

describe("the demo caller's view of a call, from its call events", () => {
  it.each<[CallEvent[], CallerPhase, string]>([
    [[], 'calling', 'Calling Ada…'],
    [[event('call.ringing', { devices: 3, delivered: 2, failed: 1 })], 'ringing', 'Ringing Ada on 2 devices…'],
    [[event('call.ringing', { delivered: 1 }), event('call.accepted')], 'accepted', 'Ada accepted the call.'],
    [[event('call.ringing', { delivered: 1 }), event('call.declined', { reason: 'declined' })], 'declined', 'Ada declined the call.'],
    [[event('call.ringing', { delivered: 1 }), event('call.declined', { reason: 'busy' })], 'busy', 'Ada is in another call.'],
    [[event('call.ringing', { delivered: 1 }), event('call.missed')], 'missed', 'Ada didn’t answer.'],
    [[event('call.unreachable', { devices: 0, failed: 0 })], 'unreachable', 'Ada has no device that can ring: they need to sign in and enable ringing first.'],
    // a finished call stays finished: a late ringing report changes nothing
    [[event('call.accepted'), event('call.ringing', { delivered: 1 }), event('call.missed')], 'accepted', 'Ada accepted the call.'],
  ])('%j → %s', (events, phase, text) => {
    const end = events.reduce(nextCallerPhase, { phase: 'calling' as CallerPhase, devices: 0 });
    expect(end.phase).toBe(phase);
    expect(callerView('Ada', end.phase, end.devices).text).toBe(text);
  });

  it('offers Cancel only while the call is still going', () => {
    expect(callerView('Ada', 'ringing', 1).cancellable).toBe(true);
    for (const phase of ['accepted', 'declined', 'busy', 'missed', 'unreachable', 'cancelled'] as const) expect(callerView('Ada', phase).cancellable).toBe(false);
  });

  it('reads server-sent events split anywhere across chunks', async () => {
    const text = 'event: call.ringing\ndata: {"type":"call.ringing"}\n\nevent: call.missed\ndata: {"type":"call.missed"}\n\n';
    const chunks = [text.slice(0, 7), text.slice(7, 40), text.slice(40)];
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
        c.close();
      },
    });
    const seen: unknown[] = [];
    for await (const e of readEventStream(body)) seen.push(e);
    expect(seen).toEqual([{ type: 'call.ringing' }, { type: 'call.missed' }]);
  });
});
