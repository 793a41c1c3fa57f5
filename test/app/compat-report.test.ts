import { describe, expect, it } from 'vitest';
import { evaluateCompat, type CompatFacts } from '../../src/compat/checks';
import { buildReport, reportFileName } from '../../src/compat/report';
import { chromium, fullPlatform } from './compat-fixtures';
import { summarizeTestRing, type TestRingMeasurement } from '../../src/compat/test-ring-result';

const T0 = 1_764_070_000_000;
const counts = { devices: 1, delivered: 1, purged: 0, failed: 0, pending: 0 };
const arrived: TestRingMeasurement = {
  requestedAt: T0,
  answeredAt: T0 + 95,
  counts,
  sessionId: 'test.5f0c',
  message: { callerName: 'RingKit test ring', timings: { pushReceivedAt: T0 + 80, notificationShownAt: T0 + 110 }, pageToldAt: T0 + 115 },
  notification: { title: 'Incoming call from RingKit test ring', body: 'Audio call', actions: ['accept', 'decline'] },
};

describe('a test ring summary', () => {
  it('splits the time from request to page into the worker-measured steps', () => {
    expect(summarizeTestRing(arrived)).toEqual({
      status: 'arrived',
      sessionId: 'test.5f0c',
      callerName: 'RingKit test ring',
      latency: { requestToPush: 80, pushToShown: 30, shownToPage: 5, total: 115 },
      totalMs: 115,
      senderAnswerMs: 95,
      notification: { title: 'Incoming call from RingKit test ring', body: 'Audio call', actions: ['accept', 'decline'] },
      carriedActions: true,
    });
  });

  it("says when the notification lost its actions, or when the browser doesn't expose them", () => {
    expect(summarizeTestRing({ ...arrived, notification: { title: 't', body: 'b', actions: [] } })).toMatchObject({ carriedActions: false });
    expect(summarizeTestRing({ ...arrived, notification: { title: 't', body: 'b' } })).toMatchObject({ carriedActions: null, notification: { actions: 'not exposed' } });
  });

  it('still gives the total from a worker too old to send its timings', () => {
    const result = summarizeTestRing({ ...arrived, message: { callerName: 'x', pageToldAt: T0 + 200 } });
    expect(result).toMatchObject({ status: 'arrived', totalMs: 200 });
    expect(result).not.toHaveProperty('latency');
  });

  it('tells a ring the push service refused from one that never reached the page', () => {
    const { message: _, notification: __, ...sent } = arrived;
    expect(summarizeTestRing({ ...sent, counts: { ...counts, delivered: 0, purged: 1 } })).toMatchObject({ status: 'not-delivered', detail: expect.stringContaining('subscription is gone') });
    expect(summarizeTestRing({ ...sent, counts: { ...counts, delivered: 0, failed: 1 } })).toMatchObject({ status: 'not-delivered', detail: expect.stringContaining('refused') });
    expect(summarizeTestRing(sent)).toMatchObject({ status: 'not-arrived' });
  });
});

describe('the support report', () => {
  const facts: CompatFacts = {
    ...chromium,
    platform: { ...fullPlatform, userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0', maxActions: undefined },
    contentEncodings: ['aes128gcm'],
    permission: 'granted',
    badging: false,
    audioAutoplay: 'blocked',
    subscription: { state: 'subscribed', endpointOrigin: 'https://127.0.0.1:4430' },
  };
  const result = evaluateCompat(facts);
  const testRing = summarizeTestRing(arrived);
  const report = buildReport({ appVersion: '0.1.0', now: new Date(T0), userAgent: facts.platform.userAgent, result, testRing });

  it('carries the platform, the verdict, every check, the test ring and the app version, as JSON', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual({
      report: 'ringkit-compat',
      schema: 1,
      app: { name: 'RingKit', version: '0.1.0' },
      generatedAt: new Date(T0).toISOString(),
      userAgent: facts.platform.userAgent,
      platform: { os: 'linux', osVersion: null, browser: 'firefox', browserVersion: 153, standalone: false, inApp: null },
      verdict: result.verdict,
      ring: result.ring,
      checks: result.checks,
      testRing,
    });
  });

  it('says when no test ring was sent', () => {
    expect(buildReport({ appVersion: '0.1.0', now: new Date(T0), userAgent: '', result }).testRing).toBeNull();
  });

  it('is downloaded under a name that says which browser and when', () => {
    expect(reportFileName(report)).toBe('ringkit-compat-firefox-153-linux-2025-11-25.json');
  });
});
