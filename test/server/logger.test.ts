import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../protocol/api';
import { buildApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { loadSecrets } from '../../server/secrets';
import { openSqliteStore } from '../../server/store/sqlite';
import { loopbackSenderEnv } from '../support/sender';

describe("the sender's log", () => {
  it('is quiet for a developer at a terminal: no line per request unless LOG_LEVEL=debug', () => {
    expect(createLogger({ development: true, logLevel: 'info' }, true).logRequests).toBe(false);
    expect(createLogger({ development: true, logLevel: 'debug' }, true).logRequests).toBe(true);
  });
  it('stays JSON with a line per request in production and when piped (process managers, tests)', () => {
    expect(createLogger({ development: false, logLevel: 'info' }, true).logRequests).toBe(true);
    expect(createLogger({ development: true, logLevel: 'info' }, false).logRequests).toBe(true);
  });
});

describe("the sender's request log", () => {
  it('writes one line per request, when it completes, with the request, the status and the time taken', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
    const config = loadConfig(loopbackSenderEnv(await mkdtemp(join(tmpdir(), 'ringkit-log-'))));
    const store = await openSqliteStore(':memory:');
    const app = await buildApp({ config, secrets: await loadSecrets(config), store, logger: pino({ level: 'info' }, stream) });
    try {
      const res = await app.http.inject({ method: 'GET', url: API_ROUTES.publicKey });
      expect(res.statusCode).toBe(200);
      const requestLines = lines.filter((l) => l.req !== undefined || l.res !== undefined);
      expect(requestLines).toHaveLength(1);
      expect(requestLines[0]).toMatchObject({ msg: 'request completed', req: { method: 'GET', url: API_ROUTES.publicKey }, res: { statusCode: 200 } });
      expect(requestLines[0]!.responseTime).toEqual(expect.any(Number));
    } finally {
      await app.close();
      await store.close();
    }
  });
});
