import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** `done` events so far. */
  update(done: number): void;
  /** Prints the last state; the bar or the lines end here. */
  finish(): void;
}

export interface ProgressOptions {
  /** What is counted, e.g. "rebuild users". */
  label: string;
  /** Events expected; null when the event store cannot count them cheaply (no percentage, no ETA). */
  total: number | null;
  stream?: NodeJS.WriteStream;
  /** Between plain lines when the stream is not a terminal. */
  intervalMs?: number;
}

/**
 * Progress of long work on stderr: a bar (events done, events/s, ETA) on a terminal, a plain line
 * at the start, every `intervalMs` and at the end otherwise (CI logs, `2> file`, journald).
 */
export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? barProgress(options, stream) : lineProgress(options, stream);
}

function barProgress({ label, total }: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const startedAt = Date.now();
  const format = total === null ? `${label} {value} events | {rate} events/s` : `${label} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted}`;
  const bar = new SingleBar({ format, stream, etaBuffer: 50, fps: 5, hideCursor: true }, Presets.shades_classic);
  bar.start(total ?? 0, 0, { rate: '0' });
  let last = 0;
  return {
    update(done) {
      last = done;
      if (total !== null && done > bar.getTotal()) bar.setTotal(done);
      bar.update(done, { rate: rate(done, startedAt).toFixed(0) });
    },
    finish() {
      bar.update(last, { rate: rate(last, startedAt).toFixed(0) });
      bar.stop();
    },
  };
}

function lineProgress({ label, total, intervalMs = 5_000 }: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  const startedAt = Date.now();
  let printedAt = startedAt;
  let last = 0;
  let printed = -1;
  const print = (done: number) => {
    printed = done;
    stream.write(`${label}: ${describe(done, total, startedAt)}\n`);
  };
  print(0);
  return {
    update(done) {
      last = done;
      if (Date.now() - printedAt < intervalMs) return;
      printedAt = Date.now();
      print(done);
    },
    // The last count once, unless the interval line just said it.
    finish: () => (printed === last && last > 0 ? undefined : print(last)),
  };
}

/** "5000/1000000 events (0.5%), 12000 events/s, ETA 1m 23s". */
export function describe(done: number, total: number | null, startedAt: number, now = Date.now()): string {
  const perSecond = rate(done, startedAt, now);
  const parts = [total === null ? `${done} events` : `${done}/${Math.max(total, done)} events (${percent(done, total)})`, `${perSecond.toFixed(0)} events/s`];
  if (total !== null && done < total) parts.push(perSecond > 0 ? `ETA ${duration((total - done) / perSecond)}` : 'ETA unknown');
  else parts.push(`${duration((now - startedAt) / 1000)} elapsed`);
  return parts.join(', ');
}

const rate = (done: number, startedAt: number, now = Date.now()): number => (done === 0 ? 0 : done / Math.max((now - startedAt) / 1000, 0.001));

const percent = (done: number, total: number): string => (total === 0 ? '100%' : `${Math.min(100, (100 * done) / total).toFixed(1)}%`);

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m ${Math.round(seconds % 60)}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** Events of the log (of these types) stored in PostgreSQL; null for EventStoreDB, which has no cheap count. */
export async function countEvents(deps: { store: { kind: string }; knex: import('knex').Knex }, eventTypes?: readonly string[]): Promise<number | null> {
  if (deps.store.kind !== 'postgres') return null;
  const query = deps.knex('events').count<{ count: string }[]>({ count: '*' });
  if (eventTypes) query.whereIn('type', [...eventTypes]);
  const [row] = await query;
  return Number(row?.count ?? 0);
}
