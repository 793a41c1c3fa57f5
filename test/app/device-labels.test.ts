import { describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../../protocol/api';
import { deviceLabels, ringStatus } from '../../src/devices/device-labels';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36';
const device = (endpoint: string, userAgent: string, createdAt: string, lastOutcome: string | null = null): DeviceInfo => ({
  endpoint,
  userAgent,
  createdAt,
  lastOutcome,
  lastOutcomeAt: lastOutcome ? '2026-12-01T10:00:00.000Z' : null,
});

describe('the device list', () => {
  it('numbers devices that share a name, oldest first, so the user can tell which to remove', () => {
    const labels = deviceLabels(
      [device('b', FIREFOX, '2026-11-20T09:00:00Z'), device('c', CHROME, '2026-11-21T09:00:00Z'), device('a', FIREFOX, '2026-11-02T09:00:00Z')],
      'b',
      'en-GB',
    );
    expect(labels.map((l) => l.name)).toEqual(['Firefox 140 on Linux (2)', 'Chrome 141 on Windows', 'Firefox 140 on Linux (1)']);
    expect(labels.map((l) => l.thisDevice)).toEqual([true, false, false]);
    expect(labels[2]!.added).toMatch(/^Added 2 Nov 2026/);
  });

  it('says how the last ring went in plain words, never an outcome code', () => {
    expect(ringStatus({ lastOutcome: null, lastOutcomeAt: null })).toEqual({ status: 'No call has rung it yet', problem: false });
    const at = '2026-12-01T10:00:00.000Z';
    expect(ringStatus({ lastOutcome: 'delivered', lastOutcomeAt: at }, 'en-GB').status).toMatch(/^The last call reached it \(1 Dec 2026/);
    for (const code of ['failed:refused', 'failed:500', 'failed:unencryptable']) {
      const { status, problem } = ringStatus({ lastOutcome: code, lastOutcomeAt: at }, 'en-GB');
      expect(status).toMatch(/^The last call did not reach it/);
      expect(status).not.toContain('failed');
      expect(problem).toBe(true);
    }
  });
});
