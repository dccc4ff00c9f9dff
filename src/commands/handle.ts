import { WrongExpectedVersionError } from '../eventstore/errors';
import type { AppendOptions, EventMetadata, EventStore, UniqueClaim } from '../eventstore/port';
import type { Decider } from './decider';
import { DomainError } from './domain-error';
import type { SnapshotPolicy, SnapshotStore } from './snapshots';
import { recentStates } from './recent-states';
import { serializedPerKey } from './stream-queue';
import { newEventId } from './time-ordered-ids';

export interface CommandContext {
  store: EventStore;
  metadata: EventMetadata;
  /** Conflicts are retried (re-read, re-decide) this many times before the error is raised. */
  maxRetries?: number;
  /** False behaves like a writer in another process: no in-process queue, only optimistic retries. */
  queuePerStream?: boolean;
  /** With a handler's snapshot policy: long streams are folded from their latest snapshot. */
  snapshots?: SnapshotStore;
  /**
   * The stream id was just generated (a new token, a new session), so the stream cannot exist yet:
   * decide on the initial state without reading it. Should it exist after all, the append is
   * refused as a conflict and the retry reads it as usual.
   */
  newStream?: boolean;
}

export interface CommandResult<S, E> {
  state: S;
  events: E[];
  /** The ids the appended events were stored under, in the order of `events`. */
  eventIds: string[];
  /** The stream's last revision after the append (or as read, when nothing was appended). */
  revision: number;
}

export interface HandlerOptions<S, E> {
  /** Unique values to claim and release with the append, worked out from the state before and the new events. */
  claims?: (state: S, events: E[]) => { claims?: UniqueClaim[]; releases?: UniqueClaim[] };
  /** The state must survive a JSON round trip. */
  snapshot?: SnapshotPolicy;
}

/**
 * Load → fold → decide → append with the expected revision. On a concurrent write the whole cycle
 * runs again on the fresh stream, so decide always sees the state it is appending on top of.
 * A refusal that carries events (a failed login) appends them first, then throws the refusal.
 *
 * Commands on one stream queue up within a process, so only writers in other processes can
 * collide; those collisions are retried, and one that keeps losing becomes a `conflict`. The state
 * after a successful append is kept (bounded), so the next command on that stream is decided on it
 * without reading anything: the append's expected revision proves it current, and if another
 * process wrote meanwhile the append is refused and the command runs again on the stream as read.
 */
export function handleCommand<S, C, E extends { type: string; data: unknown }>(
  ctx: CommandContext,
  streamId: string,
  decider: Decider<S, C, E>,
  command: C,
  options: HandlerOptions<S, E> = {},
): Promise<CommandResult<S, E>> {
  const run = () => decideAndAppend(ctx, streamId, decider, command, options);
  return ctx.queuePerStream === false ? run() : serializedPerKey(streamId, run);
}

async function decideAndAppend<S, C, E extends { type: string; data: unknown }>(
  ctx: CommandContext,
  streamId: string,
  decider: Decider<S, C, E>,
  command: C,
  options: HandlerOptions<S, E>,
): Promise<CommandResult<S, E>> {
  const maxRetries = ctx.maxRetries ?? 10;
  // First try on the state this process last knew (the append's expected revision proves it
  // current); any other outcome than an append is decided again on the stream as read.
  let known = knownState(ctx, streamId, decider);
  for (let attempt = 0; ; attempt++) {
    const decidedOnKnown = known !== null;
    const { state: before, revision, snapshotRevision } = known ?? (await foldStream(ctx, streamId, decider, options.snapshot));
    known = null;
    const decision = decider.decide(command, before);
    if (decision.events.length === 0) {
      if (decidedOnKnown) {
        attempt--;
        continue;
      }
      if (decision.error) throw decision.error;
      return { state: before, events: [], eventIds: [], revision };
    }
    const appendOptions: AppendOptions = {
      expectedRevision: revision < 0 ? 'no_stream' : revision,
      ...options.claims?.(before, decision.events),
    };
    const eventIds = decision.events.map(() => newEventId());
    try {
      const result = await ctx.store.appendToStream(
        streamId,
        decision.events.map((e, i) => ({ eventId: eventIds[i]!, type: e.type, data: e.data, metadata: ctx.metadata })),
        appendOptions,
      );
      const state = decision.events.reduce(decider.evolve, before);
      let snapshotAt = snapshotRevision;
      if (options.snapshot && ctx.snapshots && result.nextExpectedRevision - snapshotRevision >= options.snapshot.every) {
        // A snapshot is only a cache: failing to write one must not fail the command.
        await ctx.snapshots.save(streamId, options.snapshot.schema, result.nextExpectedRevision, state).catch(() => undefined);
        snapshotAt = result.nextExpectedRevision;
      }
      recentStates.set(ctx.store, decider, streamId, { revision: result.nextExpectedRevision, state, snapshotRevision: snapshotAt });
      if (decision.error) throw decision.error;
      return { state, events: decision.events, eventIds, revision: result.nextExpectedRevision };
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        if (attempt >= maxRetries) throw new DomainError('conflict', 'the record was changed by someone else at the same moment; try again');
        // Jitter so that racing writers do not collide again in lockstep.
        await new Promise((r) => setTimeout(r, Math.random() * (5 + attempt * 10)));
        continue;
      }
      throw err;
    }
  }
}

/** A new stream's initial state, or the state this process last saw of the stream: neither read. */
function knownState<S, E extends { type: string; data: unknown }>(
  ctx: CommandContext,
  streamId: string,
  decider: Pick<Decider<S, unknown, E>, 'initialState'>,
): { state: S; revision: number; snapshotRevision: number } | null {
  if (ctx.newStream) return { state: decider.initialState(), revision: -1, snapshotRevision: -1 };
  const cached = recentStates.get(ctx.store, decider, streamId);
  return cached ? { state: cached.state as S, revision: cached.revision, snapshotRevision: cached.snapshotRevision } : null;
}

/** Folds a stream to its current state without deciding anything (for queries that need the write model). */
export async function loadState<S, E extends { type: string; data: unknown }>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<S, unknown, E>, 'initialState' | 'evolve'>,
  snapshots?: { store: SnapshotStore; policy: SnapshotPolicy },
): Promise<{ state: S; revision: number }> {
  const { state, revision } = await foldStream({ store, snapshots: snapshots?.store }, streamId, decider, snapshots?.policy);
  return { state, revision };
}

async function foldStream<S, E extends { type: string; data: unknown }>(
  ctx: Pick<CommandContext, 'store' | 'snapshots'>,
  streamId: string,
  decider: Pick<Decider<S, unknown, E>, 'initialState' | 'evolve'>,
  policy: SnapshotPolicy | undefined,
): Promise<{ state: S; revision: number; snapshotRevision: number }> {
  const cached = recentStates.get(ctx.store, decider, streamId);
  const snapshot = cached ?? (policy && ctx.snapshots ? await ctx.snapshots.load<S>(streamId, policy.schema) : null);
  const from = snapshot ? snapshot.revision + 1 : undefined;
  const recorded = await ctx.store.readStream(streamId, from === undefined ? {} : { fromRevision: from });
  const state = recorded.reduce((s, e) => decider.evolve(s, { type: e.type, data: e.data } as E), snapshot ? (snapshot.state as S) : decider.initialState());
  const revision = recorded.length ? recorded[recorded.length - 1]!.revision : (snapshot?.revision ?? -1);
  const snapshotRevision = cached?.snapshotRevision ?? snapshot?.revision ?? -1;
  // Reads warm the cache too, so the next command or query on this stream reads only what is new.
  if (recorded.length > 0) recentStates.set(ctx.store, decider, streamId, { revision, state, snapshotRevision });
  return { state, revision, snapshotRevision };
}
