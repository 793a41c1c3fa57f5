/** The sender as a process (`npm run sender`, or node directly), for tests of start, stop and crash. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const ROOT = new URL('../..', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

export interface RunningSender {
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code */
  stop(): Promise<number | null>;
}

/** `direct`: node itself, not through npm (which dies of the signal instead of reporting the sender's exit code). */
export function runSender(env: NodeJS.ProcessEnv, direct = false): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const [command, args] = direct ? [process.execPath, ['--import', 'tsx', 'server/main.ts']] : ['npm', ['run', '--silent', 'sender']];
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Starts the sender and waits until `probe` (default: /healthz is 200) says it serves. */
export async function startSender(
  env: NodeJS.ProcessEnv,
  probe: (url: string) => Promise<boolean> = async (url) => (await fetch(`${url}/healthz`)).ok,
  direct = false,
): Promise<RunningSender> {
  const port = await freePort();
  const { child, output, exited } = runSender({ ...env, PORT: String(port) }, direct);
  const url = `${env.TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if (await probe(url)) break;
    } catch {
      /* not listening yet */
    }
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('running'), 100))]);
    if (code !== 'running' || i > 150) throw new Error(`sender did not start (${String(code)}):\n${output()}`);
  }
  return {
    url,
    child,
    output,
    exited,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
