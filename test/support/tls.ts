import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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

export function makeLoopbackCertificate(): Promise<LoopbackCertificate> {
  return once(CACHE_KEY, generate);
}

/** One run of `make` per process for `key`; a failed run does not poison later attempts. */
function once<T>(key: symbol, make: () => Promise<T>): Promise<T> {
  const holder = globalThis as unknown as Record<symbol, Promise<T> | undefined>;
  let pending = holder[key];
  if (!pending) {
    pending = make();
    pending.catch(() => {
      if (holder[key] === pending) delete holder[key];
    });
    holder[key] = pending;
  }
  return pending;
}

/**
 * A certificate for other hosts' names (e.g. a push service's public host,
 * reached in tests through a CONNECT proxy), signed by a CA made for this
 * test run. Clients trust `caFile` (NODE_EXTRA_CA_CERTS), never the system.
 */
export interface TestCaCertificate extends LoopbackCertificate {
  /** PEM of the CA that signed `cert` */
  ca: string;
  caFile: string;
  /** base64 SHA-256 of the certificate's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list) */
  spkiSha256: string;
}

/** Signed for `hosts` (DNS names) and 127.0.0.1; one CA and certificate per host list and process. */
export function makeTestCaCertificate(hosts: readonly string[]): Promise<TestCaCertificate> {
  return once(Symbol.for(`ringkit.test.caCertificate:${hosts.join(',')}`), () => generateSigned(hosts));
}

async function generateSigned(hosts: readonly string[]): Promise<TestCaCertificate> {
  const dir = newCertDir();
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(file('leaf.ext'), `subjectAltName=${[...hosts.map((h) => `DNS:${h}`), 'IP:127.0.0.1'].join(',')}\nbasicConstraints=CA:FALSE\n`);
  await openssl(['req', '-x509', ...ec, '-days', String(CERT_DAYS), '-subj', '/CN=RingKit test CA', '-keyout', file('ca-key.pem'), '-out', file('ca.pem')]);
  await openssl(['req', '-new', ...ec, '-subj', `/CN=${hosts[0] ?? 'localhost'}`, '-keyout', file('key.pem'), '-out', file('leaf.csr')]);
  await openssl(['x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-CAcreateserial', '-days', String(CERT_DAYS), '-extfile', file('leaf.ext'), '-out', file('cert.pem')]);
  const cert = readFileSync(file('cert.pem'), 'utf8');
  const spki = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
  return {
    cert,
    key: readFileSync(file('key.pem'), 'utf8'),
    certFile: file('cert.pem'),
    keyFile: file('key.pem'),
    dir,
    ca: readFileSync(file('ca.pem'), 'utf8'),
    caFile: file('ca.pem'),
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
  };
}

const DIR_PREFIX = 'ringkit-tls-';
const CERT_DAYS = 2;

/** A fresh directory for certificate files, removed when the process exits. */
function newCertDir(): string {
  sweepExpired();
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX));
  // The files must outlive this call (other processes read them) but not the
  // process. 'exit' does not fire when vitest SIGTERMs its forks, hence also sweepExpired().
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { timeout: 20_000 });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
    throw new Error(`openssl failed: ${detail}`);
  }
}

async function generate(): Promise<LoopbackCertificate> {
  const dir = newCertDir();
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await openssl([
    'req', '-x509',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-days', String(CERT_DAYS),
    '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    '-keyout', keyFile,
    '-out', certFile,
  ]);
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
