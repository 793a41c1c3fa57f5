import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../dist/', import.meta.url).pathname;
const ROOT = new URL('../', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe('the built app (dist/)', () => {
  const sw = readFileSync(join(DIST, 'sw.js'), 'utf8');
  const precached = [...sw.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);

  it('has the worker and the manifest, unfingerprinted and as written', () => {
    expect(existsSync(join(DIST, 'sw.js'))).toBe(true);
    expect(readFileSync(join(DIST, 'manifest.webmanifest'), 'utf8')).toBe(readFileSync(join(ROOT, 'manifest.webmanifest'), 'utf8'));
    expect(readFileSync(join(DIST, 'index.html'), 'utf8')).toContain('href="/manifest.webmanifest"');
  });

  it('precaches the shell, so the app opens offline, but not the worker itself', () => {
    expect(precached).toContain('index.html');
    expect(precached.some((u) => /^assets\/.*\.js$/.test(u!))).toBe(true);
    expect(precached).toContain('manifest.webmanifest');
    expect(precached).not.toContain('sw.js');
  });

  it('holds no server secret in any built file', () => {
    const secrets = ['RINGKIT_AUTH_SECRET', 'RINGKIT_API_KEY', 'VAPID_PRIVATE_KEY', 'privateKey'];
    for (const file of ['vapid-keys.json', 'dev-secrets.json']) {
      const p = join(ROOT, 'data', file);
      if (existsSync(p)) secrets.push(...Object.values(JSON.parse(readFileSync(p, 'utf8')) as Record<string, string>).filter((v) => v.length > 30));
    }
    for (const file of files(DIST)) {
      const text = readFileSync(file, 'latin1');
      for (const secret of secrets) expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
  });
});
