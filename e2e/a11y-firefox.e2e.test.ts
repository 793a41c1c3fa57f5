/**
 * Accessibility in Firefox: axe-core (injected) over every state Firefox
 * reaches for real (support/firefox-states.ts), light and dark: no serious or
 * critical violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAutopushService, type AutopushService } from './support/autopush-service';
import { axeFirefox } from './support/axe';
import { visitFirefoxStates } from './support/firefox-states';
import { startSenderApp, type SenderApp } from './support/sender-app';

let push: AutopushService;
let sender: SenderApp;

beforeAll(async () => {
  push = await startAutopushService();
  sender = await startSenderApp({ certFile: push.certFile, host: new URL(push.origin).hostname });
});
afterAll(async () => {
  await sender?.stop();
  await push?.close();
});

describe('axe-core in Firefox', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`every state, ${scheme}: no serious or critical violation`, async () => {
      const found: string[] = [];
      const visited: string[] = [];
      await visitFirefoxStates(push, sender, scheme, `axe-${scheme}`, async (state, page) => {
        visited.push(state);
        found.push(...(await axeFirefox(page)).map((v) => `${state}: ${v}`));
      });
      expect(visited).toEqual(['signed-out', 'on', 'ringing', 'compat', 'install', 'embed', 'call-unknown', 'blocked']);
      expect(found).toEqual([]);
    }, 120_000);
  }
});
