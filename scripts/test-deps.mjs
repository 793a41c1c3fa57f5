// Before the tests: make sure the system packages they use are here, so
// `npm test` works on a fresh Debian machine too (see scripts/install-system-deps.sh).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const pgBin = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
if (process.env.RINGKIT_TEST_DATABASE_URL || pgBin) process.exit(0);

try {
  execFileSync('bash', [new URL('./install-system-deps.sh', import.meta.url).pathname], { stdio: 'inherit' });
} catch {
  console.error('The tests need PostgreSQL: apt-get install postgresql (or set RINGKIT_TEST_DATABASE_URL to a database to use).');
  process.exit(1);
}
