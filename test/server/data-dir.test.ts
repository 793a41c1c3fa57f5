/**
 * The data dir holds the VAPID private key, generated secrets and the device
 * database: 0700 and every file in it 0600, whoever created them, and a
 * secret file is never left half-written.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { loadSecrets } from '../../server/secrets';
import { openStore } from '../../server/store/open-store';
import { ROOT } from '../support/sender-process';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('the data dir', () => {
  it('is 0700 with every file 0600: the database and its -wal and -shm, generated secrets, and files an older version left wider', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'ringkit-datadir-')), 'data');
    // As an older sender (or an operator's cp) left it.
    await mkdir(dataDir, { mode: 0o755 });
    await chmod(dataDir, 0o755);
    const oldSecrets = join(dataDir, 'dev-secrets.json');
    await writeFile(oldSecrets, JSON.stringify({ apiKey: 'k'.repeat(32), authSecret: 's'.repeat(32) }));
    await chmod(oldSecrets, 0o644);

    await loadSecrets(loadConfig({ RINGKIT_DATA_DIR: dataDir })); // reads those, generates the VAPID keys
    const store = await openStore({ dataDir });
    try {
      await store.upsert({ uid: 'a', endpoint: 'https://push.example.net/1', p256dh: 'p', auth: 'a', userAgent: null }); // writes the WAL
      const files = await readdir(dataDir);
      expect(files).toEqual(expect.arrayContaining(['ringkit.sqlite', 'ringkit.sqlite-wal', 'ringkit.sqlite-shm', 'vapid-keys.json', 'dev-secrets.json']));
      expect(await mode(dataDir)).toBe(0o700);
      for (const f of files) expect([f, await mode(join(dataDir, f))]).toEqual([f, 0o600]);
    } finally {
      await store.close();
    }
  });

  it('never holds a half-written secret: a sender that failed writing its keys (disk full) starts the next time', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'ringkit-datadir-')), 'data');
    const run = (limitFileSize: boolean) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        // ulimit -f 0: every write to a file fails (EFBIG), as on a full disk.
        const script = `${limitFileSize ? 'ulimit -f 0; ' : ''}exec "${process.execPath}" --import tsx server/main.ts`;
        const child = spawn('sh', ['-c', script], { cwd: ROOT, env: { ...process.env, RINGKIT_DATA_DIR: dataDir, PORT: '0', NODE_ENV: 'development', RINGKIT_DEV_LOGIN: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        const read = (d: Buffer) => {
          output += d;
          if (/listening/.test(output)) child.kill('SIGTERM');
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.on('exit', (code) => resolve({ code, output }));
      });
    const failed = await run(true);
    expect(failed.code).toBe(1);
    const next = await run(false);
    expect(next.output).toMatch(/RingKit sender listening/);
    expect(next.output).not.toMatch(/cannot read/);
    expect((await readdir(dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
