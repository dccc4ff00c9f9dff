import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ThumbnailAnswer, ThumbnailJob } from './thumbnail-worker';

/**
 * One worker thread with a bounded queue. A job over its time limit terminates the worker (a
 * runaway decode cannot be interrupted any other way); the next job starts a fresh one. A full
 * queue, a crash or a timeout all mean the same to the caller: no thumbnail.
 */
export interface PoolOptions {
  timeoutMs: number;
  maxQueued: number;
  /** Heap of the worker thread; pixel buffers live outside it, the decoders' own objects inside. */
  maxHeapMb: number;
}

type Pending = { job: Omit<ThumbnailJob, 'id'>; timeoutMs: number; resolve: (answer: ThumbnailAnswer['thumbnail']) => void };

const WORKER_FILE = join(__dirname, `thumbnail-worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`);

/** Run from TypeScript sources (tsx), the worker registers the same loader before loading its file. */
function spawn(maxHeapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb };
  if (!WORKER_FILE.endsWith('.ts')) return new Worker(WORKER_FILE, { resourceLimits });
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(WORKER_FILE)});`;
  return new Worker(code, { eval: true, resourceLimits });
}

export class ThumbnailPool {
  private worker: Worker | null = null;
  private running: { id: number; resolve: Pending['resolve']; timer: NodeJS.Timeout } | null = null;
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(private readonly options: PoolOptions) {}

  run(job: Omit<ThumbnailJob, 'id'>, timeoutMs = this.options.timeoutMs): Promise<ThumbnailAnswer['thumbnail']> {
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
    const { job, timeoutMs, resolve } = this.queue.shift()!;
    const id = this.nextId++;
    const timer = setTimeout(() => {
      this.finish(null);
      void this.stopWorker().then(() => this.next());
    }, timeoutMs);
    this.running = { id, resolve, timer };
    this.workerNow().postMessage({ ...job, id } satisfies ThumbnailJob);
  }

  private finish(answer: ThumbnailAnswer['thumbnail']): void {
    const running = this.running;
    if (!running) return;
    this.running = null;
    clearTimeout(running.timer);
    running.resolve(answer);
  }

  private workerNow(): Worker {
    if (this.worker) return this.worker;
    const worker = spawn(this.options.maxHeapMb);
    // Never keeps the process alive on its own.
    worker.unref();
    worker.on('message', (answer: ThumbnailAnswer) => {
      if (answer.id !== this.running?.id) return;
      this.finish(answer.thumbnail);
      this.next();
    });
    const gone = () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.finish(null);
      this.next();
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    this.worker = worker;
    return worker;
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
