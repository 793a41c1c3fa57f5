import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Starts a bench process; fork() passes on tsx's loader flags (process.execArgv), so children run TypeScript too. */
export function startChild(file: string, env: NodeJS.ProcessEnv, stdout: 'inherit' | 'ignore' = 'inherit'): ChildProcess {
  return fork(join(here, file), { env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'inherit', 'ipc'] });
}

/** The child's next IPC message; rejects when it exits first. */
export function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const exit = (code: number | null) => reject(new Error(`bench child exited with ${code}`));
    child.once('exit', exit);
    child.once('message', (message) => {
      child.off('exit', exit);
      resolve(message as T);
    });
  });
}

/** Sends a request and waits for the child's answer (one at a time per child). */
export function ask<T>(child: ChildProcess, request: unknown): Promise<T> {
  const answer = nextMessage<T>(child);
  child.send(request as never);
  return answer;
}
