import { describe, expect, it } from 'vitest';
import { problemText, problemTitle } from '../../src/components/help-text';

describe('what the error card says', () => {
  it('never doubles the full stop after a browser message that ends in one', () => {
    const { what } = problemText('subscribe-failed', 'Registration failed - push service error.');
    expect(what).toBe("The browser's push service did not give this device a subscription (Registration failed - push service error).");
    expect(what).not.toMatch(/\.\)?\./);
  });
  it('gives the Brave setting only in Brave', () => {
    expect(problemText('subscribe-failed', undefined).next).not.toContain('Brave');
    expect(problemText('subscribe-failed', undefined, true).next).toContain('Use Google services for push messaging');
  });
  it('heads the card with what went wrong: an unreachable server is not a failed attempt', () => {
    expect(problemTitle('sender-unreachable')).toBe('RingKit cannot reach its server');
    expect(problemTitle('subscribe-failed')).toBe('Ringing could not be turned on');
  });
});
