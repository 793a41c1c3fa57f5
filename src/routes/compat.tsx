import { useEffect, useMemo, useState } from 'preact/hooks';
import { problemText } from '../components/help-text';
import { SignInCard } from '../components/sign-in-card';
import { APP_VERSION } from '../compat/app-version';
import { evaluateCompat, type Check, type CompatFacts } from '../compat/checks';
import { probeBrowser, probeSubscription, type ProbedFacts } from '../compat/probe';
import { buildReport, reportFileName, type CompatReport } from '../compat/report';
import { sendTestRing } from '../compat/test-ring';
import type { TestRingResult } from '../compat/test-ring-result';
import { isBrave } from '../platform/environment';
import { useRinging, type Ringing } from '../push/use-ringing';
import { useSession, type Session } from '../session';

/** The badge's word; which badge a check gets is checks.ts's call. */
const STATUS_TEXT: Record<Check['status'], string> = { pass: 'Works', limited: 'Limited', fail: 'Problem', info: 'Not needed' };

/** /compat: what this browser can do for ringing, tested for real, with a report for support tickets. */
export function Compat() {
  const session = useSession();
  const ringing = useRinging(session);
  const [probed, setProbed] = useState<ProbedFacts>();
  const [subscription, setSubscription] = useState<CompatFacts['subscription']>({ state: 'unknown' });
  const [testRing, setTestRing] = useState<TestRingResult>();

  useEffect(() => {
    void probeBrowser().then(setProbed);
  }, []);
  useEffect(() => {
    if (ringing.state.name === 'checking' || ringing.state.name === 'enabling') return;
    let live = true;
    void probeSubscription(ringing.state).then((s) => live && setSubscription(s));
    return () => {
      live = false;
    };
  }, [ringing.state.name]);

  const result = useMemo(() => (probed ? evaluateCompat({ ...probed, subscription }) : undefined), [probed, subscription]);
  const report = useMemo(
    () => result && buildReport({ appVersion: APP_VERSION, now: new Date(), userAgent: navigator.userAgent, result, testRing }),
    [result, testRing],
  );

  if (!result || !report) {
    return (
      <section class="card" aria-busy="true">
        <h1>Browser compatibility</h1>
        <p>Testing this browser…</p>
      </section>
    );
  }
  return (
    <>
      <section class="card verdict" data-verdict={result.verdict.kind}>
        <h1>{result.verdict.headline}</h1>
        <p>{result.verdict.detail}</p>
        <p data-ring={result.ring.kind} data-source={result.ring.source}>
          <strong>Ring: {result.ring.label}.</strong> {result.ring.detail}
          {result.ring.source === 'documented' ? ' (documented, not measured)' : ''}
        </p>
      </section>
      <TestRingCard session={session} ringing={ringing} result={testRing} onResult={setTestRing} />
      <section class="card" aria-labelledby="checks-title">
        <h2 id="checks-title">What this browser can do</h2>
        <ul class="checks">
          {result.checks.map((c) => (
            <li key={c.id} data-check={c.id} data-status={c.status} data-source={c.source}>
              <span class={`badge ${c.status}`}>{STATUS_TEXT[c.status]}</span>
              {/* What was observed (code such as `'pushManager' in window`) is for support: it is in the report, not here. */}
              <div>
                <strong>{c.label}</strong>
                {c.source === 'documented' && <span class="documented"> · from the browser's documentation, not measured here</span>}
                <p>{c.meaning}</p>
              </div>
            </li>
          ))}
        </ul>
      </section>
      <ReportCard report={report} />
    </>
  );
}

function TestRingCard({ session, ringing, result, onResult }: { session: Session | undefined; ringing: Ringing; result: TestRingResult | undefined; onResult: (r: TestRingResult) => void }) {
  const [busy, setBusy] = useState(false);
  if (!session) {
    return (
      <>
        <section class="card">
          <h2>Send a test ring</h2>
          <p>Sign in, and enable ringing, to have the server ring this device.</p>
        </section>
        <SignInCard session={undefined} />
      </>
    );
  }
  const { state } = ringing;
  const send = () => {
    setBusy(true);
    void navigator.serviceWorker.ready
      .then((registration) => sendTestRing(session, registration))
      .catch((error: unknown): TestRingResult => ({ status: 'unavailable', reason: error instanceof Error ? error.message : String(error) }))
      .then((r) => {
        setBusy(false);
        onResult(r);
      });
  };
  const body = (() => {
    switch (state.name) {
      case 'on':
        return (
          <>
            <p>The server rings this device only, as a call from "RingKit test ring"; the page measures each step, then closes the notification.</p>
            <button type="button" disabled={busy} aria-busy={busy} onClick={send}>
              {busy ? 'Ringing…' : 'Send a test ring'}
            </button>
          </>
        );
      case 'ready':
      case 'enabling':
        return (
          <>
            <p>Ringing is not on for this device yet. Your browser will ask to allow notifications.</p>
            <button type="button" disabled={state.name === 'enabling'} aria-busy={state.name === 'enabling'} onClick={ringing.enable}>
              {state.name === 'enabling' ? 'Enabling…' : 'Enable ringing'}
            </button>
          </>
        );
      case 'error': {
        const text = problemText(state.problem, state.detail, isBrave());
        return (
          <>
            <p role="alert">{text.what}</p>
            <p>{text.next}</p>
            <button type="button" onClick={ringing.enable}>
              Try again
            </button>
          </>
        );
      }
      case 'checking':
        return <p aria-busy="true">Checking this device's subscription…</p>;
      default:
        return <p>This browser cannot receive a test ring here: see the checks.</p>;
    }
  })();
  return (
    <section class="card" data-test-ring-state={state.name}>
      <h2>Send a test ring</h2>
      {body}
      {result && <TestRingOutcome result={result} />}
    </section>
  );
}

const ms = (n: number) => `${Math.round(n)} ms`;

function TestRingOutcome({ result }: { result: TestRingResult }) {
  if (result.status !== 'arrived') {
    return (
      <p role="alert" data-test-ring={result.status}>
        {result.status === 'unavailable' ? result.reason : result.detail}
      </p>
    );
  }
  const { latency, notification } = result;
  return (
    <div data-test-ring="arrived">
      <p>
        Arrived: a ring from <strong>{result.callerName}</strong>
        {notification && (
          <>
            , shown as "{notification.title}" with{' '}
            <span data-carried-actions={String(result.carriedActions)}>
              {notification.actions === 'not exposed' ? 'actions this browser does not expose' : notification.actions.length ? `actions: ${notification.actions.join(', ')}` : 'no actions'}
            </span>
          </>
        )}
        . The test notification was closed.
      </p>
      <dl class="status" data-testid="test-ring-timings">
        {latency && (
          <>
            <dt>Request → worker push event</dt>
            <dd data-timing="requestToPush">{ms(latency.requestToPush)}</dd>
            <dt>Push event → notification shown</dt>
            <dd data-timing="pushToShown">{ms(latency.pushToShown)}</dd>
            <dt>Notification shown → page told</dt>
            <dd data-timing="shownToPage">{ms(latency.shownToPage)}</dd>
          </>
        )}
        <dt>Total</dt>
        <dd data-timing="total">{ms(result.totalMs)}</dd>
        <dt>Server's answer</dt>
        <dd data-timing="senderAnswer">{ms(result.senderAnswerMs)}</dd>
      </dl>
    </div>
  );
}

function ReportCard({ report }: { report: CompatReport }) {
  const json = useMemo(() => JSON.stringify(report, null, 2), [report]);
  const [href, setHref] = useState<string>();
  const [copied, setCopied] = useState<string>();
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [json]);
  const copy = () =>
    navigator.clipboard
      ?.writeText(json)
      .then(() => setCopied('Copied.'))
      .catch(() => setCopied('Copying was refused: select the text below instead.'));
  return (
    <section class="card">
      <h2>Report for support</h2>
      <p>Attach this to a support ticket: the platform, every check and the test ring's timings.</p>
      <div class="actions">
        <button type="button" onClick={copy}>
          Copy report
        </button>
        {href && (
          <a class="button" href={href} download={reportFileName(report)}>
            Download report
          </a>
        )}
      </div>
      {copied && <p role="status">{copied}</p>}
      <details>
        <summary>Show the report</summary>
        {/* tabIndex: the report scrolls, by keyboard too */}
        <pre data-report tabIndex={0} aria-label="The report">
          {json}
        </pre>
      </details>
    </section>
  );
}
