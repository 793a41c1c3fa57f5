import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAutopushService, type AutopushService } from './support/autopush-service';
import { launchFirefox, type FirefoxBrowser } from './support/firefox';
import { endpointIn, notificationsIn, subscribeInPage, until } from './support/ringing';
import { startSenderApp, type SenderApp } from './support/sender-app';

let push: AutopushService;
let sender: SenderApp;
const launched: FirefoxBrowser[] = [];

beforeAll(async () => {
  push = await startAutopushService();
  sender = await startSenderApp({ certFile: push.certFile, host: '127.0.0.1' });
});
afterEach(async () => {
  await Promise.all(launched.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await sender?.stop();
  await push?.close();
});

describe('spike', () => {
  it('rings', async () => {
    const ff = await launchFirefox(push.serverURL);
    launched.push(ff);
    const page = await ff.openPage(sender.origin);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    const endpoint = await subscribeInPage(page, await sender.userToken('ada'));
    console.log('endpoint', endpoint, await endpointIn(page));
    const t0 = Date.now();
    const counts = await sender.ring({ recipientUid: 'ada', sessionId: 's.1', callerName: 'Bob', callerUid: 'bob', callType: 'audio' });
    console.log(counts);
    const seen = await ff.waitForAlert('Incoming call from Bob');
    console.log('latency', seen - t0, push.messages);
    console.log(await notificationsIn(page), await ff.alerts());
    expect(1).toBe(1);
  });
});
