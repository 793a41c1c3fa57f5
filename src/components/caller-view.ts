/**
 * The demo caller's side of a call, derived from the same signed call events
 * a backend gets (protocol/events.ts): pure, so every step is table-tested.
 */
import type { CallEvent } from '../../protocol/events';

export type CallerPhase = 'calling' | 'ringing' | 'accepted' | 'declined' | 'busy' | 'missed' | 'unreachable' | 'cancelled';

export interface CallerView {
  phase: CallerPhase;
  /** what the caller reads */
  text: string;
  /** the call can still be cancelled */
  cancellable: boolean;
}

const FINAL: readonly CallerPhase[] = ['accepted', 'declined', 'busy', 'missed', 'unreachable', 'cancelled'];

export function callerView(callee: string, phase: CallerPhase, devices = 0): CallerView {
  const texts: Record<CallerPhase, string> = {
    calling: `Calling ${callee}…`,
    ringing: `Ringing ${callee} on ${devices} device${devices === 1 ? '' : 's'}…`,
    accepted: `${callee} accepted the call.`,
    declined: `${callee} declined the call.`,
    busy: `${callee} is in another call.`,
    missed: `${callee} didn’t answer.`,
    unreachable: `${callee} has no device that can ring: they need to sign in and enable ringing first.`,
    cancelled: 'You cancelled the call.',
  };
  return { phase, text: texts[phase], cancellable: !FINAL.includes(phase) };
}

/** The phase after an event; a final phase stays (events of a finished call change nothing). */
export function nextCallerPhase(current: { phase: CallerPhase; devices: number }, event: CallEvent): { phase: CallerPhase; devices: number } {
  if (FINAL.includes(current.phase)) return current;
  switch (event.type) {
    case 'call.ringing':
      return current.phase === 'calling' ? { phase: 'ringing', devices: event.data.delivered ?? 0 } : current;
    case 'call.unreachable':
      return { phase: 'unreachable', devices: 0 };
    case 'call.accepted':
      return { ...current, phase: 'accepted' };
    case 'call.declined':
      return { ...current, phase: event.data.reason === 'busy' ? 'busy' : 'declined' };
    case 'call.missed':
      return { ...current, phase: 'missed' };
  }
}

/** Server-sent events from a fetch body (EventSource cannot send a bearer token): each event's data, parsed. */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data) yield JSON.parse(data);
    }
  }
}
