/**
 * CometChat's payloads and how CometChat authenticates. Two sets of fixtures:
 * `documented/<trigger>.json`, CometChat's own samples copied verbatim from its
 * docs (calls/webhooks-ringing.mdx; placeholders such as "<sessionId>" kept),
 * and the richer `webhook-*` / `push-*` variants one folder up, with the
 * entities and session ids live payloads may carry.
 */
import { readFileSync } from 'node:fs';

/** The session id every fixture uses. */
export const FIXTURE_SESSION = 'v1.us.212570a35d379d83.1702625211b9a0c5e2c8f1d3b7a94e6f0d2c8b1a3e5f7d9c1b3a5e7f9d1c3b5a7e9f';
export const CALLER = 'cometchat-uid-1';
export const CALLEE = 'cometchat-uid-5';

/** A fresh copy of a fixture, optionally with every occurrence of the fixture's session id replaced. */
export function cometchatFixture(name: string, sessionId = FIXTURE_SESSION): Record<string, unknown> {
  const text = readFileSync(new URL(`../fixtures/cometchat/${name}.json`, import.meta.url), 'utf8');
  return JSON.parse(text.replaceAll(FIXTURE_SESSION, sessionId)) as Record<string, unknown>;
}

/** A fresh copy of CometChat's documented sample for a trigger, as its docs print it. */
export function documentedFixture(trigger: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/cometchat/documented/${trigger}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** The session id CometChat's documented samples carry: a placeholder, kept as printed. */
export const DOCUMENTED_SESSION = '<sessionId>';

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
