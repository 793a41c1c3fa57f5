import { existsSync } from 'node:fs';
import { startTestSender, type TestSender } from '../../test/support/sender';

const DIST = new URL('../../dist', import.meta.url).pathname;

/** The sender serving the built PWA on a loopback port, as `npm start` does. */
export async function startServedApp(): Promise<TestSender & { origin: string }> {
  if (!existsSync(`${DIST}/index.html`)) throw new Error('no built app: run `npm run build` first');
  const sender = await startTestSender({ env: { RINGKIT_WEB_DIR: DIST } });
  const address = await sender.app.http.listen({ port: 0, host: '127.0.0.1' });
  // 127.0.0.1 is a secure context like localhost, and never resolves to ::1 instead
  return { ...sender, origin: address };
}
