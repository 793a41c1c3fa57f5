import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUDGETS, formatBundleSizes, measureBundles } from '../scripts/bundle-sizes';

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
    expect(precached, 'the ringtone, so an installed app rings offline too').toContain('ringtone.wav');
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

describe('what the browser loads, gzipped (client budgets)', async () => {
  const sizes = await measureBundles(DIST);
  console.log(`bundle sizes:\n${formatBundleSizes(sizes)}`);

  it(`keeps the ringer widget within ${BUDGETS.ringer} bytes`, () => {
    expect(sizes.ringer).toBeLessThanOrEqual(BUDGETS.ringer);
  });

  it(`keeps the app shell's initial JavaScript within ${BUDGETS.shellInitialJs} bytes`, () => {
    expect(sizes.shellInitialFiles.length).toBeGreaterThan(0);
    expect(sizes.shellInitialJs).toBeLessThanOrEqual(BUDGETS.shellInitialJs);
  });

  it(`keeps the service worker within ${BUDGETS.serviceWorker} bytes`, () => {
    expect(sizes.serviceWorker).toBeLessThanOrEqual(BUDGETS.serviceWorker);
  });

  it.each([
    ['calls SDK (joining)', () => sizes.callsSdkFiles, /^assets\/cometchat-calls-[\w-]+\.js$/],
    ['Chat SDK (answering)', () => sizes.chatSdkFiles.filter((f) => f.startsWith('assets/')), /^assets\/cometchat-chat-[\w-]+\.js$/],
  ])('puts the CometChat %s in its own chunk that the shell neither loads at start nor precaches', (_name, files, pattern) => {
    expect(files()).toHaveLength(1);
    const [sdk] = files();
    expect(sdk).toMatch(pattern);
    expect(sizes.shellInitialFiles).not.toContain(sdk);
    const sw = readFileSync(join(DIST, 'sw.js'), 'utf8');
    expect(sw).not.toContain(sdk!.replace(/^assets\//, ''));
    // The app reaches it only through a dynamic import(): from the shell, or from a chunk the shell loads on demand.
    const app = readdirSync(join(DIST, 'assets'))
      .filter((f) => f.endsWith('.js') && !f.startsWith('cometchat-'))
      .map((f) => readFileSync(join(DIST, 'assets', f), 'utf8'))
      .join('\n');
    const file = sdk!.replace(/^assets\//, '').replace('.', '\\.');
    expect(new RegExp(`import\\(\\s*[\`"'][^\`"']*${file}[\`"']`).test(app), 'a dynamic import of the SDK chunk').toBe(true);
  });
});
