import { AsyncLocalStorage } from 'node:async_hooks';
import type { Counter, Histogram } from 'prom-client';
import { comparePositions, type AppendResult, type EventStore, type NewEvent, type Position } from '../eventstore/port';
import type { Metrics } from '../observability/metrics';
import type { CheckpointWatch } from './checkpoint-watch';
import type { ProjectionLogger } from './logger';
import type { Projection } from './projection';

/** An event a request appended, and where it landed in the global log. */
export interface WrittenEvent {
  type: string;
  position: Position;
}

const writtenHere = new AsyncLocalStorage<WrittenEvent[]>();

/**
 * The store as the API uses it: every append made while a request runs (see `ReadYourWrites.run`)
 * is noted with its events' positions, whoever made it (a command handler or a direct append).
 */
export function noteAppends(store: EventStore): EventStore {
  return {
    kind: store.kind,
    async appendToStream(streamId: string, events: NewEvent[], options?) {
      const result = await store.appendToStream(streamId, events, options);
      writtenHere.getStore()?.push(...writtenEvents(events, result));
      return result;
    },
    readStream: (streamId, options) => store.readStream(streamId, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    claimOwner: (claim) => store.claimOwner(claim),
    claimOwners: (claims) => store.claimOwners(claims),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}

function writtenEvents(events: readonly NewEvent[], result: AppendResult): WrittenEvent[] {
  // Without per-event positions (EventStoreDB) every event of the append is placed at the start of
  // its commit: reached once the projection has applied any of the append, which it applies together.
  const fallback = { commit: result.position.commit, prepare: 0n };
  return events.map((e, i) => ({ type: e.type, position: result.eventPositions?.[i] ?? fallback }));
}

/** Per projection, the position of the last written event it handles; projections that handle none are absent. */
export function positionsToAwait(written: readonly WrittenEvent[], projections: readonly Projection[]): Map<string, Position> {
  const targets = new Map<string, Position>();
  for (const p of projections) {
    const types = new Set(p.eventTypes);
    for (const e of written) {
      if (!types.has(e.type)) continue;
      const before = targets.get(p.name);
      if (!before || comparePositions(e.position, before) > 0) targets.set(p.name, e.position);
    }
  }
  return targets;
}

export interface ReadYourWritesOptions {
  watch: CheckpointWatch;
  projections: readonly Projection[];
  /** Longest a write waits; 0 never waits. */
  timeoutMs: number;
  metrics: Metrics;
  logger: ProjectionLogger;
}

/**
 * A write answers only once the read models its surface reads have applied it: the route runs
 * with its appends noted, then waits (bounded) until each projection that handles one of the
 * written events has moved its checkpoint past it. Past the bound the write answers anyway (it
 * is stored) and the miss is counted and logged.
 */
export class ReadYourWrites {
  private readonly byName: Map<string, Projection>;
  private readonly waited: Histogram<'surface' | 'outcome'>;
  private readonly timeouts: Counter<'surface'>;

  constructor(private readonly options: ReadYourWritesOptions) {
    this.byName = new Map(options.projections.map((p) => [p.name, p]));
    this.waited = options.metrics.histogram({
      name: 'authledger_read_your_writes_wait_seconds',
      help: 'How long a write waited, before answering, for the read models its surface reads (only writes that had something to wait for)',
      labelNames: ['surface', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.timeouts = options.metrics.counter({
      name: 'authledger_read_your_writes_timeouts_total',
      help: 'Writes that answered at READ_YOUR_WRITES_TIMEOUT_MS before a read model they concern had applied them',
      labelNames: ['surface'],
    });
  }

  /** The projections behind these names; throws on a name no projection has (a typo would never wait). */
  readModels(names: readonly string[]): Projection[] {
    return names.map((n) => {
      const p = this.byName.get(n);
      if (!p) throw new Error(`no projection named ${n} (known: ${[...this.byName.keys()].join(', ')})`);
      return p;
    });
  }

  /** For each surface that names its read models, the wrapper its routes run in (checked once, at start). */
  fenceFor(surface: { name: string; readModels?: readonly string[] }): ((work: () => Promise<void>) => Promise<void>) | null {
    if (!surface.readModels?.length) return null;
    const readModels = this.readModels(surface.readModels);
    return (work) => this.run(surface.name, readModels, work);
  }

  /** Runs `work`, then waits for `readModels` to apply whatever it appended, also when it threw after appending. */
  async run<T>(surface: string, readModels: readonly Projection[], work: () => Promise<T>): Promise<T> {
    const written: WrittenEvent[] = [];
    try {
      return await writtenHere.run(written, work);
    } finally {
      if (written.length > 0) await this.await(surface, positionsToAwait(written, readModels));
    }
  }

  private async await(surface: string, targets: Map<string, Position>): Promise<void> {
    if (targets.size === 0 || this.options.timeoutMs <= 0) return;
    const started = performance.now();
    const reached = await this.options.watch.waitFor(targets, this.options.timeoutMs);
    this.waited.observe({ surface, outcome: reached ? 'applied' : 'timeout' }, (performance.now() - started) / 1000);
    if (reached) return;
    this.timeouts.inc({ surface });
    this.options.logger.warn(
      { surface, projections: [...targets.keys()], timeoutMs: this.options.timeoutMs },
      'a write answered before the read models it concerns applied it (is a projector running?)',
    );
  }
}
