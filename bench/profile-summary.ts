/**
 * Summarises a V8 CPU profile: time per area of the sender (inclusive: a
 * sample counts for an area when any frame of its stack is in it), then the
 * functions with the most self time.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** First match wins, innermost frame first. */
const AREAS: Array<[string, (frame: ProfileNode['callFrame']) => boolean]> = [
  ['aes128gcm encryption (web-push, http_ece)', (f) => /node_modules\/(web-push|http_ece)\//.test(f.url)],
  ['handing pushes to encryption workers', (f) => f.url.endsWith('server/push/encryption.ts')],
  ['HTTP/2 and HTTP/1.1 exchanges', (f) => /server\/push\/http[12]\.ts$/.test(f.url)],
  ['store (device list, outcomes)', (f) => f.url.includes('/server/store/')],
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['idle (waiting for workers, network)', (f) => f.functionName === '(idle)'],
];

export function summariseProfile(file: string, top = 12): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const areas = new Map<string, number>();
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  for (const id of profile.samples) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(server|bench)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + 1);
    let area = 'other (fastify, p-limit, promises, node internals)';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const match = AREAS.find(([, test]) => test(byId.get(at!)!.callFrame));
      if (match) {
        area = match[0];
        break;
      }
    }
    areas.set(area, (areas.get(area) ?? 0) + 1);
    // Self time by the innermost frame that has a source: a package, a sender file, or a part of Node.
    let module = functionName.startsWith('(') ? functionName : 'native (crypto, sqlite, syscalls)';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frameUrl = byId.get(at)!.callFrame.url;
      if (!frameUrl) continue;
      module = moduleOf(frameUrl);
      break;
    }
    modules.set(module, (modules.get(module) ?? 0) + 1);
  }
  const total = profile.samples.length;
  const share = (hits: number) => `${((hits / total) * 100).toFixed(1).padStart(5)} %`;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return [
    'by area:',
    ...sorted(areas).map(([area, hits]) => `  ${share(hits)}  ${area}`),
    'by module (self time of the innermost frame with a source):',
    ...sorted(modules).slice(0, top).map(([module, hits]) => `  ${share(hits)}  ${module}`),
    `top ${top} functions by self time:`,
    ...sorted(self).slice(0, top).map(([key, hits]) => `  ${share(hits)}  ${key}`),
  ].join('\n');
}

/** node_modules/<package>, a file of the sender or the bench, or node:<area>. */
function moduleOf(url: string): string {
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  const own = url.match(/\/((?:server|bench|protocol)\/.*)$/);
  if (own) return own[1]!;
  const node = url.match(/^node:internal\/([^/]+)/);
  return node ? `node:${node[1]}` : url;
}
