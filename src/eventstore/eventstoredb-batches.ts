import type { Readable } from 'node:stream';

export interface ReadableBatchesOptions<T, R> {
  /** Largest batch handed out at once. */
  batchSize: number;
  /** Maps one item; null drops it (filtered out). May throw: the iteration then fails. */
  map: (item: T) => R | null;
  /** Turns a stream error into the error the consumer sees. */
  mapError?: (err: unknown) => unknown;
  /** The source ending by itself (not through stop()) is reported with this error; omitted: iteration just ends. */
  endedError?: () => Error;
  /** Runs once when the iteration finishes for any reason (consumer broke its loop, stop(), error, end). */
  onFinish?: () => Promise<void> | void;
}

export interface ReadableBatches<R> {
  iterator: AsyncGenerator<R[], void, undefined>;
  /** Ends the iteration: a waiting consumer's loop ends, and so will the next one. */
  stop(): void;
}

/**
 * Batches of items from an object-mode Readable (a catch-up subscription), without buffering
 * beyond the Readable's own high-water mark: items are pulled with read() only while the consumer
 * asks for a batch, so a slow consumer back-pressures the gRPC stream instead of growing memory.
 *
 * A batch holds what is available at once, up to batchSize: after the first item it waits one
 * macrotask (setImmediate) so items delivered by the same network read join it, then yields. It
 * never waits for a batch to fill, so a quiet stream hands out what it has promptly.
 *
 * Listeners are attached at once (not when iteration starts), so an early 'error' is kept for the
 * consumer rather than crashing the process as an unhandled stream error.
 */
export function readableBatches<T, R>(source: Readable, options: ReadableBatchesOptions<T, R>): ReadableBatches<R> {
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  let failure: { error: unknown } | null = null;
  let ended = false;
  let stopped = false;
  let wake: (() => void) | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const onReadable = () => signal();
  const onEnd = () => {
    ended = true;
    signal();
  };
  const onError = (error: unknown) => {
    failure ??= { error };
    signal();
  };
  source.on('readable', onReadable);
  source.on('end', onEnd);
  source.on('close', onEnd);
  source.on('error', onError);

  let finished = false;
  const finish = async () => {
    if (finished) return;
    finished = true;
    source.off('readable', onReadable);
    source.off('end', onEnd);
    source.off('close', onEnd);
    // Keep swallowing errors: the gRPC stream may still report its cancellation after we are gone.
    source.off('error', onError);
    source.on('error', () => undefined);
    await options.onFinish?.();
  };

  const drain = (into: R[]) => {
    while (into.length < batchSize && !stopped) {
      const item = source.read() as T | null;
      if (item === null) return;
      const mapped = options.map(item);
      if (mapped !== null) into.push(mapped);
    }
  };

  async function* generate(): AsyncGenerator<R[], void, undefined> {
    try {
      while (!stopped) {
        const batch: R[] = [];
        drain(batch);
        if (batch.length > 0 && batch.length < batchSize) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          drain(batch);
        }
        if (stopped) return;
        if (batch.length > 0) {
          yield batch;
          continue;
        }
        if (failure) throw options.mapError ? options.mapError(failure.error) : failure.error;
        if (ended) {
          if (options.endedError) throw options.endedError();
          return;
        }
        // Nothing buffered: wait for the next item, the end, an error or stop(). `wake` is set
        // synchronously after read() returned null, so no 'readable' can slip in between.
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      await finish();
    }
  }

  return {
    iterator: generate(),
    stop() {
      stopped = true;
      signal();
    },
  };
}
