import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Where a secret file is written before it takes its name; left behind only by a crash. */
const TEMP_SUFFIX = '.tmp';
/** A temporary file this old is no other instance's write in progress. */
const STALE_TEMP_MS = 60_000;

/**
 * The data dir holds the VAPID private key, generated secrets and the device
 * database: 0700, every file in it 0600, whoever created them and whatever
 * the umask (SQLite creates its -wal and -shm files with the database's mode,
 * so that file is made 0600 before SQLite opens it). Temporary files an
 * interrupted write left behind are removed.
 */
export async function securePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (!entry.isFile()) continue;
    // ENOENT: another instance just renamed or removed it.
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    if (entry.name.endsWith(TEMP_SUFFIX) && Date.now() - info.mtimeMs > STALE_TEMP_MS) await unlink(path).catch(() => undefined);
    else if ((info.mode & 0o777) !== 0o600) await chmod(path, 0o600).catch(() => undefined);
  }
}

/** Creates `file` empty with mode 0600 unless it exists, so whatever opens it next inherits that mode. */
export async function touchPrivate(file: string): Promise<void> {
  const handle = await open(file, 'a', 0o600);
  await handle.close();
  if (((await stat(file)).mode & 0o777) !== 0o600) await chmod(file, 0o600);
}

/**
 * Writes a secret file atomically and without replacing one another process
 * wrote first: the content goes to a temporary file (0600) that is flushed to
 * disk, then linked under its name (link, unlike rename, fails when the name
 * exists). A crash leaves either no file or the whole one, never half of it.
 * False when the file already existed (its content is kept).
 */
export async function writeSecretFile(file: string, content: string): Promise<boolean> {
  const dir = dirname(file);
  await securePrivateDir(dir);
  const temp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp);
    await syncDir(dir);
  }
}

/** Makes a new directory entry durable (the file's data was synced before). */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory: the data itself is synced.
  } finally {
    await handle.close();
  }
}
