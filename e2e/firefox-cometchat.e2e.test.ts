/**
 * A CometChat app pointed at the sender: its call_initiated webhook makes the
 * callee's Firefox ring over the real push path, and call_cancelled stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, CALLEE, cometchatFixture } from '../test/support/cometchat';
import { startAutopushService, type AutopushService } from './support/autopush-service';
import { launchFirefox, type FirefoxBrowser } from './support/firefox';
import { enableRingingViaUi } from './support/ringing';
import { startSenderApp, type SenderApp } from './support/sender-app';

const WEBHOOK = { user: 'cometchat', password: 'a-long-webhook-password' };
let push: AutopushService;
let sender: SenderApp;
let ff: FirefoxBrowser;

beforeAll(async () => {
  push = await startAutopushService();
  sender = await startSenderApp(
    { certFile: push.certFile, host: new URL(push.origin).hostname },
    { COMETCHAT_WEBHOOK_USER: WEBHOOK.user, COMETCHAT_WEBHOOK_PASSWORD: WEBHOOK.password },
  );
  ff = await launchFirefox(push.serverURL);
});
afterAll(async () => {
  await ff?.close();
  await sender?.stop();
  await push?.close();
});

const webhook = (body: object) =>
  sender.api<{ status: string }>('/api/webhooks/cometchat', {
    method: 'POST',
    headers: { authorization: basicAuth(WEBHOOK.user, WEBHOOK.password), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('CometChat call events in Firefox', () => {
  it('call_initiated rings the callee, call_cancelled turns the ring into a missed call', async () => {
    // The callee signs in with their CometChat uid, as a host app's token would carry it.
    await enableRingingViaUi(await ff.openPage(sender.origin), CALLEE);
    const sessionId = `v1.us.e2e.${Date.now().toString(36)}`;

    const ringing = ff.waitForAlert('Incoming call from Andrew Joseph');
    expect(await webhook(cometchatFixture('webhook-call_initiated', sessionId))).toEqual({ status: 'accepted' });
    await ringing;

    const missed = ff.waitForAlert('Missed call from Andrew Joseph');
    expect(await webhook(cometchatFixture('webhook-call_cancelled', sessionId))).toEqual({ status: 'accepted' });
    await missed;
    expect((await ff.alerts()).map((a) => a.title)).not.toContain('Incoming call from Andrew Joseph');
  });
});
