/**
 * Every code block of README.md and docs/*.md is compiled, run or checked
 * against the source, so the docs cannot rot. The fence's info string says how:
 *
 *   ```ts page      TypeScript, type-checked with the DOM libs (a host's page)
 *   ```ts worker    … with the WebWorker libs (a host's service worker)
 *   ```ts node      … with Node's types (a host's server)
 *                   `ringkit/client`, `ringkit/sw`, `ringkit/ringer`, `ringkit/sender`
 *                   resolve to their source entry files; other imports to node_modules.
 *   ```sh           commands, checked statically: every `npm run X` (and `npm start`,
 *                   `npm test`) is a script of package.json, every `NAME=` a variable
 *                   the sender, the app's build or the suites read (found in their
 *                   source), every repository path named exists.
 *   ```sh run       as sh, then run with bash against a sender listening on loopback
 *                   (test/support/sender.ts; env SENDER and RINGKIT_API_KEY; the user
 *                   `ada` has a device on the loopback push service), in document
 *                   order; must exit 0.
 *   ```json         parses.
 *   ```html         only <ringkit-ringer> (with attributes it observes) and <script>.
 *   ```css          every --ringkit-ringer-* property is one the ringer reads.
 *   ```yaml         every ringkit_* metric is one the sender registers.
 *   ```text csp     is the Content-Security-Policy the sender sends.
 *
 * A block with any other info string, or none, fails. Beside the blocks:
 * every relative link reaches a file (and its #anchor a heading there), and
 * docs/api.md names every variable the sender reads and every error code it answers.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_EGRESS_PROXY, startTestSender, type TestSender } from '../support/sender';
import { parseMarkdown } from './markdown';
import { errorCodes, knownVariables, metricNames, npmScripts, ringerAttributes, ringerProperties, ROOT, senderVariables } from './sources';
import { typecheck, type Context } from './typecheck';

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const parsed = new Map(DOCS.map((doc) => [doc, parseMarkdown(doc, readFileSync(join(ROOT, doc), 'utf8'))]));
const blocks = [...parsed.values()].flatMap((p) => p.blocks);
const where = (b: { doc: string; line: number }) => `${b.doc}:${b.line}`;
const KINDS = ['ts page', 'ts worker', 'ts node', 'sh', 'sh run', 'json', 'html', 'css', 'yaml', 'text csp'];
const of = (info: string) => blocks.filter((b) => b.info === info);

describe('every code block of the docs', () => {
  it('has an info string this test knows', () => {
    expect(blocks.length).toBeGreaterThan(20);
    expect(blocks.filter((b) => !KINDS.includes(b.info)).map((b) => `${where(b)} \`\`\`${b.info}`)).toEqual([]);
  });

  for (const context of ['page', 'worker', 'node'] as Context[]) {
    it(`ts ${context}: type-checks`, () => {
      const snippets = of(`ts ${context}`);
      expect(snippets.length).toBeGreaterThan(0);
      const errors = typecheck(context, snippets.map((b) => ({ name: where(b), code: b.code })));
      expect([...errors].filter(([, e]) => e.length > 0)).toEqual([]);
    }, 60_000);
  }

  it('sh: names only scripts, variables and files that exist', () => {
    const scripts = npmScripts();
    const variables = knownVariables();
    const problems: string[] = [];
    for (const b of [...of('sh'), ...of('sh run')]) {
      // One logical line per command: backslash continuations joined, comments dropped.
      const code = b.code.replace(/\\\n/g, ' ').replace(/(^|\s)#.*$/gm, '$1');
      for (const m of code.matchAll(/\bnpm (?:run (\S+)|(start|test)\b)/g)) {
        const script = m[1] ?? m[2]!;
        if (!scripts.has(script)) problems.push(`${where(b)}: npm script ${script} is not in package.json`);
      }
      for (const m of code.matchAll(/(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=/gm)) {
        if (!variables.has(m[1]!)) problems.push(`${where(b)}: ${m[1]} is read by nothing in the source`);
      }
      for (const m of code.matchAll(/(?<![\w/.:$-])((?:bench|browser-shared|docs|e2e|examples|load|protocol|scripts|server|src|sw|test)\/[\w./-]*[\w/])/g)) {
        if (!existsSync(join(ROOT, m[1]!))) problems.push(`${where(b)}: ${m[1]} does not exist`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('json: parses', () => {
    const problems: string[] = [];
    for (const b of of('json')) {
      try {
        JSON.parse(b.code);
      } catch (error) {
        problems.push(`${where(b)}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('html: only <ringkit-ringer> with the attributes it observes, and scripts', () => {
    const attributes = ringerAttributes();
    const problems: string[] = [];
    for (const b of of('html')) {
      for (const m of b.code.matchAll(/<([a-z][\w-]*)([^>]*)>/g)) {
        const [, tag, attrs] = m as unknown as [string, string, string];
        if (tag === 'script') continue;
        if (tag !== 'ringkit-ringer') problems.push(`${where(b)}: <${tag}> is not RingKit's`);
        for (const a of attrs.matchAll(/([a-z-]+)=/g)) if (!attributes.has(a[1]!)) problems.push(`${where(b)}: <${tag}> does not observe ${a[1]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('css: only properties the ringer reads', () => {
    const known = ringerProperties();
    const named = of('css').flatMap((b) => [...b.code.matchAll(/(--ringkit-[a-z-]+)\s*:/g)].map((m) => ({ b, name: m[1]! })));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter(({ name }) => !known.has(name)).map(({ b, name }) => `${where(b)}: ${name}`)).toEqual([]);
  });

  it('yaml: only metrics the sender registers', () => {
    const known = metricNames();
    const named = of('yaml').flatMap((b) => [...b.code.matchAll(/\b(ringkit_[a-z_]+)/g)].map((m) => ({ b, name: m[1]!.replace(/_(bucket|sum|count)$/, '') })));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter(({ name }) => !known.has(name)).map(({ b, name }) => `${where(b)}: ${name}`)).toEqual([]);
  });
});

describe('the docs against a running sender', () => {
  let sender: TestSender;
  let origin: string;

  beforeAll(async () => {
    sender = await startTestSender();
    await sender.addDevice('ada');
    origin = await sender.app.http.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => sender?.close());

  const run = promisify(execFile);
  for (const b of of('sh run')) {
    it(`sh run ${where(b)} exits 0`, async () => {
      const env = {
        ...process.env,
        ...NO_EGRESS_PROXY,
        http_proxy: '',
        HTTP_PROXY: '',
        no_proxy: '127.0.0.1',
        NO_PROXY: '127.0.0.1',
        SENDER: origin,
        RINGKIT_API_KEY: sender.secrets.apiKey,
      };
      await expect(run('bash', ['-euo', 'pipefail', '-c', b.code], { env, cwd: ROOT })).resolves.toBeDefined();
    });
  }

  it('text csp: is the policy the sender sends', async () => {
    const policy = (await fetch(`${origin}/healthz`)).headers.get('content-security-policy');
    const blocksOf = of('text csp');
    expect(blocksOf.length).toBeGreaterThan(0);
    // The directives, however the block wraps them.
    const directives = (s: string | null) => (s ?? '').split(';').map((d) => d.replace(/\s+/g, ' ').trim()).filter(Boolean);
    for (const b of blocksOf) expect(directives(b.code), where(b)).toEqual(directives(policy));
  });
});

describe('the docs as a whole', () => {
  it('link only to files and headings that exist', () => {
    const problems: string[] = [];
    for (const { links, anchors } of parsed.values()) {
      for (const link of links) {
        if (/^[a-z]+:/i.test(link.target)) continue; // https:, mailto:
        const [path, anchor] = link.target.split('#') as [string, string | undefined];
        const file = path ? relative(ROOT, join(ROOT, dirname(link.doc), path)) : link.doc;
        if (!existsSync(join(ROOT, file))) {
          problems.push(`${where(link)}: ${link.target}: no file ${file}`);
          continue;
        }
        const targetAnchors = file === link.doc ? anchors : parsed.get(file)?.anchors;
        if (anchor && targetAnchors && !targetAnchors.has(anchor)) problems.push(`${where(link)}: ${link.target}: no heading #${anchor} in ${file}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('api.md names every variable the sender reads and every error code it answers', () => {
    const api = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
    const named = new Set([...api.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!));
    expect([...senderVariables()].filter((v) => !named.has(v))).toEqual([]);
    const codes = errorCodes();
    expect(codes.size).toBeGreaterThan(20);
    expect([...codes].filter((c) => !named.has(c))).toEqual([]);
  });

  it('deploying.md names every metric the sender registers', () => {
    const deploying = readFileSync(join(ROOT, 'docs/deploying.md'), 'utf8');
    expect([...metricNames()].filter((m) => !deploying.includes(`\`${m}`))).toEqual([]);
  });
});

