import { describe, expect, it } from 'vitest';
import { assertStrongSecret, checkVapidSubject, ConfigError, loadConfig, PUBLIC_PUSH_HOSTS } from '../../server/config';

describe('loadConfig', () => {
  it('has the defaults of design.md', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', ttlSeconds: 30, databaseUrl: undefined, pushHosts: PUBLIC_PUSH_HOSTS, development: true });
    expect(c.dataDir).toMatch(/data$/);
  });

  it('reads the environment', () => {
    const c = loadConfig({ PORT: '9000', HOST: '0.0.0.0', RINGKIT_TTL: '60', RINGKIT_PUSH_HOSTS: '127.0.0.1, Push.Example.com', DATABASE_URL: 'postgres://u@h/db' });
    expect(c).toMatchObject({ port: 9000, host: '0.0.0.0', ttlSeconds: 60, pushHosts: ['127.0.0.1', 'push.example.com'], databaseUrl: 'postgres://u@h/db' });
  });

  it('turns the CometChat webhook on only with both credentials', () => {
    expect(loadConfig({}).cometchatWebhook).toBeUndefined();
    expect(loadConfig({ COMETCHAT_WEBHOOK_USER: 'cometchat', COMETCHAT_WEBHOOK_PASSWORD: 'pa:ss word' }).cometchatWebhook).toEqual({ user: 'cometchat', password: 'pa:ss word' });
  });

  it('serves metrics only when asked: on the public port (RINGKIT_METRICS=1) or on a port of their own', () => {
    expect(loadConfig({}).metrics).toBeUndefined();
    expect(loadConfig({ RINGKIT_METRICS: '0' }).metrics).toBeUndefined();
    expect(loadConfig({ RINGKIT_METRICS: '1' }).metrics).toEqual({ port: undefined });
    expect(loadConfig({ RINGKIT_METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464 });
    expect(loadConfig({ RINGKIT_METRICS_PORT: '9464', RINGKIT_METRICS: '0' }).metrics).toBeUndefined();
  });

  it.each([
    [{ RINGKIT_METRICS: 'on' }, /RINGKIT_METRICS must be 1 or 0/],
    [{ RINGKIT_METRICS_PORT: '70000' }, /RINGKIT_METRICS_PORT must be a whole number/],
    [{ PORT: '9464', RINGKIT_METRICS_PORT: '9464' }, /must differ from PORT/],
    [{ RINGKIT_TTL: '29' }, /RINGKIT_TTL must be a whole number from 30 to 60/],
    [{ RINGKIT_TTL: '61' }, /RINGKIT_TTL/],
    [{ RINGKIT_TTL: '45.5' }, /RINGKIT_TTL/],
    [{ PORT: 'http' }, /PORT/],
    [{ VAPID_PUBLIC_KEY: 'x' }, /both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY/],
    [{ TLS_CERT_FILE: 'c.pem' }, /both TLS_CERT_FILE and TLS_KEY_FILE/],
    [{ DATABASE_URL: 'mysql://x' }, /postgres:\/\//],
    [{ VAPID_SUBJECT: 'mailto:me@localhost' }, /localhost/],
    [{ NODE_ENV: 'production', HOST: '127.0.0.1' }, /VAPID_SUBJECT is required in production/],
    [{ COMETCHAT_WEBHOOK_USER: 'cometchat' }, /both COMETCHAT_WEBHOOK_USER and COMETCHAT_WEBHOOK_PASSWORD/],
    [{ COMETCHAT_WEBHOOK_PASSWORD: 'secret' }, /both COMETCHAT_WEBHOOK_USER and COMETCHAT_WEBHOOK_PASSWORD/],
    [{ COMETCHAT_WEBHOOK_USER: 'a:b', COMETCHAT_WEBHOOK_PASSWORD: 'secret' }, /must not contain ":"/],
    [{ RINGKIT_APP_URL: 'app.example.com' }, /RINGKIT_APP_URL takes the app's origin/],
    [{ RINGKIT_APP_URL: 'https://app.example.com/ringkit' }, /no path/],
    [{ RINGKIT_APP_URL: 'ftp://app.example.com' }, /RINGKIT_APP_URL/],
    [{ NODE_ENV: 'production', VAPID_SUBJECT: 'mailto:ops@example.com', RINGKIT_APP_URL: 'http://app.example.com' }, /must be https:\/\/ in production/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("reads RINGKIT_APP_URL as an origin, and leaves it to the sender's own origin when unset", () => {
    expect(loadConfig({ RINGKIT_APP_URL: 'https://App.Example.com/' }).appUrl).toBe('https://app.example.com');
    expect(loadConfig({ NODE_ENV: 'production', VAPID_SUBJECT: 'mailto:ops@example.com', RINGKIT_APP_URL: 'http://127.0.0.1:8080' }).appUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({}).appUrl).toBeUndefined();
  });

  describe('in production', () => {
    const prod = { NODE_ENV: 'production', VAPID_SUBJECT: 'mailto:ops@example.com' };
    it('refuses plain HTTP on a public address', () => {
      expect(() => loadConfig({ ...prod, HOST: '0.0.0.0' })).toThrow(/refusing plain HTTP on 0.0.0.0/);
    });
    it.each([
      [{ HOST: '127.0.0.1' }],
      [{ HOST: '::1' }],
      [{ HOST: '0.0.0.0', RINGKIT_TRUST_PROXY: '1' }],
      [{ HOST: '0.0.0.0', TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' }],
    ])('accepts %j', (env) => {
      expect(() => loadConfig({ ...prod, ...env })).not.toThrow();
    });

    const strong = 'k'.repeat(32);
    it.each([
      ['RINGKIT_API_KEY', { RINGKIT_API_KEY: 'k' }],
      ['RINGKIT_API_KEY', { RINGKIT_API_KEY: 'k'.repeat(31) }],
      ['RINGKIT_AUTH_SECRET', { RINGKIT_AUTH_SECRET: 'secret' }],
      ['COMETCHAT_WEBHOOK_PASSWORD', { COMETCHAT_WEBHOOK_USER: 'cometchat', COMETCHAT_WEBHOOK_PASSWORD: 'password' }],
    ])('refuses a weak %s, saying how to make a strong one', (name, env) => {
      const start = () => loadConfig({ ...prod, RINGKIT_API_KEY: strong, RINGKIT_AUTH_SECRET: strong, ...env });
      expect(start).toThrow(ConfigError);
      expect(start).toThrow(new RegExp(`${name} must be at least 32 characters .*openssl rand -base64 32`));
    });

    it('accepts secrets of 32 characters and more', () => {
      expect(() => loadConfig({ ...prod, RINGKIT_API_KEY: strong, RINGKIT_AUTH_SECRET: strong, COMETCHAT_WEBHOOK_USER: 'c', COMETCHAT_WEBHOOK_PASSWORD: strong })).not.toThrow();
    });
  });
});

describe('assertStrongSecret', () => {
  const whsec = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;
  it.each([
    ['k'.repeat(32), true],
    ['k'.repeat(31), false],
    ['é'.repeat(32), true], // characters, not bytes or UTF-16 units
    ['😀'.repeat(16), false],
    [whsec(24), true],
    [whsec(32), true],
    [whsec(23), false],
    ['whsec_' + 'k'.repeat(26), false], // 26 characters are 19 bytes of base64
    ['whsec_not base64 at all, but long enough to pass as plain', false],
  ])('%j → %s', (value, ok) => {
    if (ok) expect(() => assertStrongSecret('RINGKIT_EVENTS_SECRET', value)).not.toThrow();
    else expect(() => assertStrongSecret('RINGKIT_EVENTS_SECRET', value)).toThrow(/RINGKIT_EVENTS_SECRET must be .*openssl rand -base64 32/);
  });
});

describe('checkVapidSubject', () => {
  it.each([
    ['mailto:ops@example.com', undefined],
    ['https://example.com', undefined],
    ['https://example.com/contact', undefined],
    ['mailto:ops@localhost', 'must not be a localhost address (Apple rejects it)'],
    ['https://localhost', 'must name a public https site, not localhost'],
    ['https://127.0.0.1', 'must name a public https site, not localhost'],
    ['mailto: ops@example.com', 'must not contain spaces'],
    ['http://example.com', 'must start with mailto: or https:'],
    ['ops@example.com', 'must be a mailto: or https: URL, got "ops@example.com"'],
    ['mailto:', 'must be mailto:someone@domain'],
  ])('%j → %j', (subject, problem) => expect(checkVapidSubject(subject)).toBe(problem));
});
