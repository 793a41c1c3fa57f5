import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { encryptPush, type PushOptions, type PushRequest, type PushTarget } from './push-request';

/** Encrypts pushes (aes128gcm, ~0.2 ms of CPU each, mostly the per-message ECDH that RFC 8291 requires). */
export interface PushEncryptor {
  encrypt(target: PushTarget, body: string, options: PushOptions): Promise<PushRequest>;
  /** pushes handed over and not yet encrypted (a metric) */
  queued(): number;
  close(): Promise<void>;
}

/** Worker threads on a machine with cores to spare; on one core they would only add hops. */
export function defaultEncryptionThreads(): number {
  const cores = availableParallelism();
  return cores > 1 ? Math.min(cores, 4) : 0;
}

/** `threads` 0 encrypts on the calling thread. */
export function createPushEncryptor(threads: number): PushEncryptor {
  if (threads <= 0) return { encrypt: async (target, body, options) => encryptPush(target, body, options), queued: () => 0, close: async () => {} };
  return new EncryptionWorkers(threads);
}

interface Job {
  id: number;
  target: PushTarget;
  body: string;
  options: PushOptions;
}

type Result = { id: number; request: { endpoint: string; headers: Record<string, string | number>; body: Uint8Array } } | { id: number; error: string };

interface Waiting {
  job: Job;
  resolve: (request: PushRequest) => void;
  reject: (err: Error) => void;
  /** already handed to a worker that was lost */
  retried: boolean;
}

interface Lane {
  worker: Worker;
  pending: Map<number, Waiting>;
  batch: Job[];
}

/** Jobs posted in the same turn travel in one message: postMessage costs more than a small batch. */
const MAX_BATCH = 8;

/**
 * Worker threads doing the encryption, so the main thread only moves bytes.
 * There is no queue of its own: callers bound what is in flight (Deliverer's
 * per-origin limits), and each job goes to the least busy worker.
 */
class EncryptionWorkers implements PushEncryptor {
  private readonly lanes: Lane[] = [];
  private nextId = 1;
  private closed = false;
  /** the lane whose batch is still open this turn */
  private filling: Lane | undefined;

  // Started up front: a worker takes ~50 ms to load, too long for the first ring after a restart to wait.
  constructor(private readonly threads: number) {
    for (let i = 0; i < threads; i += 1) this.spawn();
  }

  encrypt(target: PushTarget, body: string, options: PushOptions): Promise<PushRequest> {
    if (this.closed) return Promise.reject(new Error('encryption workers closed'));
    return new Promise((resolve, reject) => {
      const job = { id: this.nextId++, target: { endpoint: target.endpoint, p256dh: target.p256dh, auth: target.auth }, body, options };
      this.dispatch({ job, resolve, reject, retried: false });
    });
  }

  queued(): number {
    let n = 0;
    for (const lane of this.lanes) n += lane.pending.size;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    const lanes = this.lanes.splice(0);
    this.filling = undefined;
    for (const lane of lanes) this.fail(lane, new Error('encryption workers closed'));
    await Promise.all(lanes.map((lane) => lane.worker.terminate()));
  }

  private dispatch(waiting: Waiting): void {
    // Jobs of the same turn (one ring's devices, the rings of one turn) share a lane and so one
    // message each way: a postMessage costs the main thread more than another push costs the worker.
    const lane = this.filling ?? this.leastBusy();
    if (lane.pending.size === 0) lane.worker.ref(); // work in flight keeps the process alive
    lane.pending.set(waiting.job.id, waiting);
    lane.batch.push(waiting.job);
    if (lane.batch.length >= MAX_BATCH) this.flush(lane);
    else if (lane.batch.length === 1) {
      this.filling = lane;
      // After this turn of the event loop, not this microtask: the rings of every request
      // read in this turn share the message (its cost is mostly waking the worker).
      setImmediate(() => this.flush(lane));
    }
  }

  private leastBusy(): Lane {
    let best: Lane | undefined;
    for (const lane of this.lanes) if (!best || lane.pending.size < best.pending.size) best = lane;
    // A worker lost (crashed, killed) is replaced by the next job.
    if (!best || (best.pending.size > 0 && this.lanes.length < this.threads)) best = this.spawn();
    return best;
  }

  private spawn(): Lane {
    // No inherited flags: the worker is plain JavaScript, and tsx's loader would make it start in ~600 ms instead of ~50.
    const worker = new Worker(new URL('./encrypt-worker.mjs', import.meta.url), { execArgv: [] });
    worker.unref();
    const lane: Lane = { worker, pending: new Map(), batch: [] };
    worker.on('message', (results: Result[]) => {
      for (const result of results) {
        const waiting = lane.pending.get(result.id);
        if (!waiting) continue;
        lane.pending.delete(result.id);
        if ('error' in result) waiting.reject(new Error(result.error));
        else {
          const { body } = result.request;
          waiting.resolve({ ...result.request, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) });
        }
      }
      if (lane.pending.size === 0) worker.unref();
    });
    const lost = (err: Error) => {
      const at = this.lanes.indexOf(lane);
      if (at < 0) return; // closed, or already handled
      this.lanes.splice(at, 1); // the next job starts a fresh worker
      if (this.filling === lane) this.filling = undefined;
      // A lost worker is the sender's fault, not the device's: its jobs get one more worker.
      const orphans = [...lane.pending.values()];
      lane.pending.clear();
      lane.batch = [];
      for (const waiting of orphans) {
        if (waiting.retried || this.closed) waiting.reject(err);
        else this.dispatch({ ...waiting, retried: true });
      }
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`encryption worker exited with code ${code}`)));
    this.lanes.push(lane);
    return lane;
  }

  private flush(lane: Lane): void {
    if (this.filling === lane) this.filling = undefined;
    if (lane.batch.length === 0) return;
    lane.worker.postMessage(lane.batch);
    lane.batch = [];
  }

  private fail(lane: Lane, err: Error): void {
    for (const job of lane.pending.values()) job.reject(err);
    lane.pending.clear();
    lane.batch = [];
  }
}
