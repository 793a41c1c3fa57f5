import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface LoopbackCertificate {
  /** PEM certificate; self-signed, so it is also the CA to trust. */
  cert: string;
  /** PEM private key (P-256). */
  key: string;
  /** Path of the PEM certificate, for NODE_EXTRA_CA_CERTS / TLS_CERT_FILE in child processes. */
  certFile: string;
  keyFile: string;
  dir: string;
}

// Kept on globalThis rather than in module scope: vitest re-evaluates modules per
// test file, and we want one openssl run per process.
const CACHE_KEY = Symbol.for('ringkit.test.loopbackCertificate');
type CacheHolder = { [CACHE_KEY]?: Promise<LoopbackCertificate> };

export function makeLoopbackCertificate(): Promise<LoopbackCertificate> {
  const holder = globalThis as CacheHolder;
  let pending = holder[CACHE_KEY];
  if (!pending) {
    pending = generate();
    // A failed openssl run should not poison later attempts.
    pending.catch(() => {
      if (holder[CACHE_KEY] === pending) delete holder[CACHE_KEY];
    });
    holder[CACHE_KEY] = pending;
  }
  return pending;
}

const DIR_PREFIX = 'ringkit-tls-';
const CERT_DAYS = 2;

async function generate(): Promise<LoopbackCertificate> {
  sweepExpired();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  // The files must outlive this call (other processes read them) but not the
  // process. 'exit' does not fire when vitest SIGTERMs its forks, hence also sweepExpired().
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  try {
    await execFileAsync(
      'openssl',
      [
        'req', '-x509',
        '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
        '-nodes', '-days', String(CERT_DAYS),
        '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
        '-keyout', keyFile,
        '-out', certFile,
      ],
      { timeout: 20_000 },
    );
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
    throw new Error(`makeLoopbackCertificate: openssl failed: ${detail}`);
  }
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
    dir,
  };
}

/** Removes directories left by earlier runs whose certificate has expired anyway. */
function sweepExpired(): void {
  const cutoff = Date.now() - CERT_DAYS * 24 * 60 * 60 * 1000;
  try {
    for (const name of readdirSync(tmpdir())) {
      if (!name.startsWith(DIR_PREFIX)) continue;
      const path = join(tmpdir(), name);
      try {
        if (statSync(path).mtimeMs < cutoff) rmSync(path, { recursive: true, force: true });
      } catch {
        // Raced with another process's sweep, or not ours to remove.
      }
    }
  } catch {
    // An unreadable tmpdir only means no sweeping.
  }
}
