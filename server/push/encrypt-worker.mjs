// An encryption worker of encryption.ts: web-push's aes128gcm off the main
// thread. Plain JavaScript so it loads the same under tsx, vitest and node;
// it only calls web-push, the options come ready from push-request.ts.
import { parentPort } from 'node:worker_threads';
import webpush from 'web-push';

parentPort.on('message', (jobs) => {
  const results = jobs.map(({ id, target, body, options }) => {
    try {
      const d = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, body, options);
      return { id, request: { endpoint: d.endpoint, headers: d.headers, body: d.body } };
    } catch (err) {
      return { id, error: err instanceof Error ? err.message : String(err) };
    }
  });
  parentPort.postMessage(results);
});
