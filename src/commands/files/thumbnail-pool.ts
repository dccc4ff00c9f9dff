import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ThumbnailAnswer, ThumbnailJob } from './thumbnail-worker';

/**
 * One worker thread with a bounded queue. A job over its time limit terminates the worker (a
 * runaway decode cannot be interrupted any other way); the next job starts a fresh one. The limit
 * counts from when the worker has loaded its decoders, which on a busy machine takes seconds of
 * its own. A full queue, a crash, a timeout or a worker that never starts all mean the same to the
 * caller: no thumbnail.
 */
export interface PoolOptions {
  timeoutMs: number;
  maxQueued: number;
  /** Heap of the worker thread; pixel buffers live outside it, the decoders' own objects inside. */
  maxHeapMb: number;
  /** How long a new worker may take to load its decoders. */
  startupMs?: number;
}

type Answer = ThumbnailAnswer['thumbnail'];
type Pending = { job: Omit<ThumbnailJob, 'id'>; timeoutMs: number; resolve: (answer: Answer) => void };

const WORKER_FILE = join(__dirname, `thumbnail-worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`);

/** Run from TypeScript sources (tsx), the worker registers the same loader before loading its file. */
function spawn(maxHeapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb };
  if (!WORKER_FILE.endsWith('.ts')) return new Worker(WORKER_FILE, { resourceLimits });
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(WORKER_FILE)});`;
  return new Worker(code, { eval: true, resourceLimits });
}

export class ThumbnailPool {
  private worker: { thread: Worker; ready: boolean; startup: NodeJS.Timeout } | null = null;
  private running: { id: number; resolve: Pending['resolve']; timer: NodeJS.Timeout } | null = null;
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(private readonly options: PoolOptions) {}

  run(job: Omit<ThumbnailJob, 'id'>, timeoutMs = this.options.timeoutMs): Promise<Answer> {
    if (this.queue.length >= this.options.maxQueued) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.queue.push({ job, timeoutMs, resolve });
      this.next();
    });
  }

  /** Ends the worker; queued jobs get no thumbnail. */
  async close(): Promise<void> {
    for (const p of this.queue.splice(0)) p.resolve(null);
    this.finish(null);
    await this.stopWorker();
  }

  private next(): void {
    if (this.running || this.queue.length === 0) return;
    const worker = this.worker ?? this.start();
    if (!worker.ready) return;
    const { job, timeoutMs, resolve } = this.queue.shift()!;
    const id = this.nextId++;
    const timer = setTimeout(() => {
      this.finish(null);
      void this.stopWorker().then(() => this.next());
    }, timeoutMs);
    this.running = { id, resolve, timer };
    worker.thread.postMessage({ ...job, id } satisfies ThumbnailJob);
  }

  private finish(answer: Answer): void {
    const running = this.running;
    if (!running) return;
    this.running = null;
    clearTimeout(running.timer);
    running.resolve(answer);
  }

  private start(): NonNullable<ThumbnailPool['worker']> {
    const thread = spawn(this.options.maxHeapMb);
    // Never keeps the process alive on its own.
    thread.unref();
    const startup = setTimeout(() => {
      // A worker that cannot load its decoders will not do better for the jobs waiting on it.
      for (const p of this.queue.splice(0)) p.resolve(null);
      void this.stopWorker();
    }, this.options.startupMs ?? 60_000);
    startup.unref();
    const worker = { thread, ready: false, startup };
    thread.on('message', (message: ThumbnailAnswer | { ready: true }) => {
      if ('ready' in message) {
        clearTimeout(startup);
        worker.ready = true;
      } else if (message.id === this.running?.id) {
        this.finish(message.thumbnail);
      }
      this.next();
    });
    const gone = () => {
      if (this.worker !== worker) return;
      clearTimeout(startup);
      this.worker = null;
      this.finish(null);
      // One that died before it was ready would only die again: the waiting jobs are answered, not retried.
      if (!worker.ready) for (const p of this.queue.splice(0)) p.resolve(null);
      this.next();
    };
    thread.on('error', gone);
    thread.on('exit', gone);
    this.worker = worker;
    return worker;
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    clearTimeout(worker.startup);
    await worker.thread.terminate();
  }
}
