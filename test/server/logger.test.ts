import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger';

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
