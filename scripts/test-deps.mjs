// Before the tests: make sure the system packages they use are here, so
// `npm test` works on a fresh Debian machine too (see scripts/install-system-deps.sh).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const pgBin = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
const onPath = (cmd) => {
  try {
    execFileSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
if ((process.env.RINGKIT_TEST_DATABASE_URL || pgBin) && onPath('chromium') && onPath('firefox-esr') && onPath('openssl') && onPath('dbus-daemon')) process.exit(0);

try {
  execFileSync('bash', [new URL('./install-system-deps.sh', import.meta.url).pathname], { stdio: 'inherit' });
} catch {
  console.error('The tests need Debian packages: apt-get install postgresql chromium firefox-esr openssl dbus-daemon (or set RINGKIT_TEST_DATABASE_URL for PostgreSQL).');
  process.exit(1);
}
