/** Resolves with what `work` resolves with, or with `onTimeout()` once `ms` passed. */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * One request/answer exchange under a total deadline: `start` sends and
 * calls `finish` once with the outcome (later calls are ignored); when the
 * deadline passes first, the result is `timedOut` and `start`'s returned abort runs.
 */
export function exchangeWithin<T>(ms: number, timedOut: T, start: (finish: (result: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      finish(timedOut);
      abort();
    }, ms);
    const abort = start(finish);
  });
}
