/**
 * The sender as a user starts it: `npm run sender` in a child process, with
 * the environment of design.md. For tests of the process itself and for the
 * browser tests, which need the real thing end to end.
 */
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

export interface SenderChild {
  child: ChildProcess;
  /** stdout and stderr so far */
  output: () => string;
  /** the exit code, once it has exited */
  exited: Promise<number | null>;
}

/**
 * `npm run sender` in a process group of its own: npm's shell does not pass a
 * SIGTERM on to the sender, so stopSender signals the whole group.
 * `direct`: node itself instead of npm, for tests of the sender's own exit code
 * (npm dies of the signal instead of reporting it).
 */
export function runSender(env: NodeJS.ProcessEnv, direct = false): SenderChild {
  const [command, args] = direct ? [process.execPath, ['--import', 'tsx', 'server/main.ts']] : ['npm', ['run', '--silent', 'sender']];
  return runProcess(command, args, { cwd: ROOT, env });
}

/** Any server process (a host app's too), in a process group of its own, with its output kept. */
export function runProcess(command: string, args: readonly string[], { cwd, env }: { cwd: string; env: NodeJS.ProcessEnv }): SenderChild {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/** How long a stopping sender may drain its rings before it is killed. */
const STOP_TIMEOUT_MS = 15_000;

/** SIGTERM to npm, its shell and the sender; SIGKILL if they are still there after STOP_TIMEOUT_MS. Resolves with npm's exit code. */
export async function stopSender({ child, exited }: SenderChild): Promise<number | null> {
  const group = -child.pid!;
  const signal = (name: NodeJS.Signals | 0) => {
    try {
      process.kill(group, name);
      return true;
    } catch {
      return false; // ESRCH: the group is gone
    }
  };
  signal('SIGTERM');
  const code = await exited;
  const end = Date.now() + STOP_TIMEOUT_MS;
  // npm may exit before the sender has finished draining.
  while (signal(0)) {
    if (Date.now() > end) {
      signal('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return code;
}

export interface RunningSender extends SenderChild {
  url: string;
  /** SIGTERM, then the exit code (the sender drains rings in flight first) */
  stop(): Promise<number | null>;
}

/** Starts the sender on a free port and waits until `probe` says it serves. */
export async function startSenderProcess(
  env: NodeJS.ProcessEnv,
  probe?: (url: string) => Promise<boolean>,
  direct = false,
): Promise<RunningSender> {
  const port = await freePort();
  const running = runSender({ ...env, PORT: String(port) }, direct);
  return serving(running, `${env.TLS_CERT_FILE ? 'https' : 'http'}://127.0.0.1:${port}`, probe);
}

/** Waits until `probe` says the process serves at `url`; stops it and throws when it exits or never does. */
export async function serving(
  running: SenderChild,
  url: string,
  probe: (url: string) => Promise<boolean> = async (u) => (await fetch(`${u}/healthz`)).ok,
): Promise<RunningSender> {
  const { exited, output } = running;
  const stop = () => stopSender(running);
  for (let i = 0; ; i++) {
    try {
      if (await probe(url)) break;
    } catch {
      /* not listening yet */
    }
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('running'), 100))]);
    if (code !== 'running' || i > 150) {
      if (code === 'running') await stop();
      throw new Error(`${url} did not start (${String(code)}):\n${output()}`);
    }
  }
  return { ...running, url, stop };
}
