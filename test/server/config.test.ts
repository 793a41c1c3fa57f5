import { describe, expect, it } from 'vitest';
import { checkVapidSubject, ConfigError, loadConfig, PUBLIC_PUSH_HOSTS } from '../../server/config';

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

  it.each([
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
