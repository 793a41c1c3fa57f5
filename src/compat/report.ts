/** The report a user copies or downloads for a support ticket: everything the page found, as JSON. */
import type { Check, CompatResult, CompatVerdict, RingStyle } from './checks';
import type { TestRingResult } from './test-ring-result';

export interface CompatReport {
  report: 'ringkit-compat';
  /** bumped when a field changes meaning */
  schema: 1;
  app: { name: 'RingKit'; version: string };
  /** ISO 8601 */
  generatedAt: string;
  userAgent: string;
  platform: {
    os: string;
    osVersion: string | null;
    browser: string;
    browserVersion: number | null;
    standalone: boolean;
    inApp: string | null;
  };
  verdict: CompatVerdict;
  /** which ring this browser gets */
  ring: RingStyle;
  checks: Check[];
  /** null until a test ring was sent */
  testRing: TestRingResult | null;
}

export interface ReportInput {
  appVersion: string;
  now: Date;
  userAgent: string;
  result: CompatResult;
  testRing?: TestRingResult | undefined;
}

export function buildReport({ appVersion, now, userAgent, result, testRing }: ReportInput): CompatReport {
  const { os, browser, standalone, inApp } = result.platform;
  return {
    report: 'ringkit-compat',
    schema: 1,
    app: { name: 'RingKit', version: appVersion },
    generatedAt: now.toISOString(),
    userAgent,
    platform: {
      os: os.name,
      osVersion: os.version ? `${os.version.major}.${os.version.minor}` : null,
      browser: browser.name,
      browserVersion: browser.version ?? null,
      standalone,
      inApp: inApp ?? null,
    },
    verdict: result.verdict,
    ring: result.ring,
    checks: result.checks,
    testRing: testRing ?? null,
  };
}

/** e.g. ringkit-compat-firefox-153-linux-2026-11-25.json */
export function reportFileName(report: CompatReport): string {
  const { browser, browserVersion, os } = report.platform;
  return `ringkit-compat-${browser}${browserVersion ? `-${browserVersion}` : ''}-${os}-${report.generatedAt.slice(0, 10)}.json`;
}
