/**
 * docs/compat-matrix.md from the /compat page's reports in the browsers the
 * suite runs, plus the browsers that cannot run here, from documented data
 * and labelled so.
 */
import { execFileSync } from 'node:child_process';
import { evaluateCompat, type CompatFacts } from '../../src/compat/checks';
import { DOCUMENTED, ENGINE_NAMES, FEATURE_NAMES, type DocumentedFeature } from '../../src/compat/known-browsers';
import type { CompatReport } from '../../src/compat/report';
import type { TestRingResult } from '../../src/compat/test-ring-result';

export interface MatrixRun {
  /** e.g. "Chromium 156.0.8078.108 (Debian, headless)" */
  browser: string;
  report: CompatReport;
}

/** A browser executable's version: "Chromium 156.0.8078.108 built on Debian…" → "156.0.8078.108", "Mozilla Firefox 153.7.0esr" → "153.7.0esr". */
export function versionOf(executable: string): string {
  const out = execFileSync(executable, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return /(\d+(?:\.\d+)+\w*)/.exec(out)?.[1] ?? out.trim();
}

const MARK = { pass: '✅ pass', limited: '⚠️ limited', fail: '❌ fail', info: 'ℹ️ not needed' } as const;
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function ringCell(ring: CompatReport['ring'] | undefined): string {
  if (!ring) return '—';
  return `**${ring.label}**${ring.source === 'documented' ? ' (documented)' : ' (measured)'}: ${ring.detail}`;
}

function testRingCell(ring: TestRingResult | null, report: CompatReport): string {
  if (!ring) {
    const sub = report.checks.find((c) => c.id === 'push-subscription')!;
    return `not run: push subscription ${sub.status === 'fail' ? `failed (${sub.observed.replace(/^subscribe failed: /, '')}): ${sub.meaning}` : sub.observed}`;
  }
  switch (ring.status) {
    case 'arrived': {
      const l = ring.latency;
      const steps = l ? `request → push event ${l.requestToPush} ms, → shown ${l.pushToShown} ms, → page ${l.shownToPage} ms; ` : '';
      const actions = ring.carriedActions === null ? 'actions not exposed' : ring.carriedActions ? 'carried Accept/Decline' : 'no actions';
      return `arrived: ${steps}total ${ring.totalMs} ms; ${actions}`;
    }
    case 'unavailable':
      return `not run: ${ring.reason}`;
    default:
      return `${ring.status}: ${ring.detail}`;
  }
}

/** Representative facts for the browsers that cannot run here, from the documented table only. */
const DOCUMENTED_PROFILES: { name: string; facts: CompatFacts }[] = (() => {
  const base: CompatFacts = {
    platform: { userAgent: '', maxTouchPoints: 0, displayMode: 'browser', secureContext: true, serviceWorker: true, pushManager: true, notification: true, declarativePush: false },
    contentEncodings: ['aes128gcm'],
    permission: 'granted',
    workerActive: true,
    notificationOptions: { requireInteraction: true, vibrate: true },
    badging: false,
    indexedDb: 'works',
    broadcastChannel: true,
    audioAutoplay: 'unknown',
    subscription: { state: 'unknown' },
  };
  const ios = { ...base.platform, maxTouchPoints: 5, navigatorStandalone: false };
  return [
    { name: 'Safari 18.4 macOS', facts: { ...base, contentEncodings: undefined, platform: { ...base.platform, userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.4 Safari/605.1.15', declarativePush: true } } },
    { name: 'Safari iOS 18.4, in a tab', facts: { ...base, contentEncodings: undefined, permission: 'unsupported', platform: { ...ios, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1', pushManager: false, notification: false } } },
    { name: 'iOS 18.4 Home Screen app', facts: { ...base, contentEncodings: undefined, badging: true, platform: { ...ios, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148', navigatorStandalone: true, displayMode: 'standalone', declarativePush: true } } },
    {
      name: 'Edge (incoming-call origin trial), installed app',
      facts: { ...base, notificationOptions: { requireInteraction: true, vibrate: true, scenario: true }, platform: { ...base.platform, displayMode: 'standalone', maxActions: 2, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0' } },
    },
    { name: 'Chrome Android', facts: { ...base, platform: { ...base.platform, maxTouchPoints: 5, maxActions: 2, userAgent: 'Mozilla/5.0 (Linux; Android 14; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36' } } },
  ];
})();

export function renderMatrix(runs: readonly MatrixRun[], generatedAt: Date, notes: readonly string[] = []): string {
  const lines: string[] = [];
  const version = runs[0]?.report.app.version ?? 'unknown';
  lines.push(
    '# Browser compatibility matrix',
    '',
    `Generated by \`npm run compat-matrix\` on ${generatedAt.toISOString().slice(0, 10)} (RingKit ${version}): the [/compat page](../src/routes/compat.tsx) run in each`,
    'browser the end-to-end suite runs, against the sender serving the built app on loopback. "documented" in a cell means the browser cannot',
    'tell the page and the answer comes from known browser data. The browsers that cannot run here are at the end: **documented, not measured**.',
    '',
    '## Measured',
    '',
  );
  if (runs.length) {
    lines.push(`| | ${runs.map((r) => cell(r.browser)).join(' | ')} |`, `|---|${runs.map(() => '---').join('|')}|`);
    lines.push(`| **verdict** | ${runs.map((r) => `**${cell(r.report.verdict.headline)}**`).join(' | ')} |`);
    lines.push(`| **ring** | ${runs.map((r) => cell(ringCell(r.report.ring))).join(' | ')} |`);
    for (const check of runs[0]!.report.checks) {
      const row = runs.map((r) => {
        const c = r.report.checks.find((x) => x.id === check.id);
        return c ? cell(`${MARK[c.status]}${c.source === 'documented' ? ' (documented)' : ''}: ${c.observed}`) : '—';
      });
      lines.push(`| ${cell(check.label)} | ${row.join(' | ')} |`);
    }
    lines.push(`| **test ring** | ${runs.map((r) => cell(testRingCell(r.report.testRing, r.report))).join(' | ')} |`);
    lines.push(`| user agent | ${runs.map((r) => `\`${cell(r.report.userAgent)}\``).join(' | ')} |`);
  }
  for (const note of notes) lines.push('', note);

  lines.push('', '## Documented, not measured', '', 'From MDN browser-compat-data and public issue threads (2026); none of these browsers runs here.', '');
  const engines = Object.keys(ENGINE_NAMES) as (keyof typeof ENGINE_NAMES)[];
  lines.push(`| feature | ${engines.map((e) => ENGINE_NAMES[e]).join(' | ')} |`, `|---|${engines.map(() => '---').join('|')}|`);
  for (const feature of Object.keys(DOCUMENTED) as DocumentedFeature[]) {
    lines.push(`| ${FEATURE_NAMES[feature]} | ${engines.map((e) => cell(DOCUMENTED[feature][e].note)).join(' | ')} |`);
  }
  lines.push('', "The page's verdict for each, by its own rules applied to documented data (documented, not measured):", '');
  lines.push('| browser | verdict | ring | why |', '|---|---|---|---|');
  for (const { name, facts } of DOCUMENTED_PROFILES) {
    const { verdict, ring } = evaluateCompat(facts);
    lines.push(`| ${name} | ${verdict.headline} | ${cell(ring.label)} | ${cell(verdict.detail)} |`);
  }
  lines.push(
    '',
    'Vibration has an effect on Android only (and not on Android O+); Android Chrome otherwise behaves as desktop Chrome above, with Accept/Decline.',
    '',
  );
  return lines.join('\n');
}
