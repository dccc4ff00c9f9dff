/**
 * The folded state of recently written streams, per event store and decider, in this process.
 * Events are immutable and ordered, so a cached state at revision R plus the events after R is
 * the current state even when another process wrote in between. Bounded: the oldest go first.
 */
interface Entry {
  revision: number;
  state: unknown;
  snapshotRevision: number;
}

const MAX_PER_DECIDER = 10_000;
const byStore = new WeakMap<object, WeakMap<object, Map<string, Entry>>>();

function entriesOf(store: object, decider: object, create: boolean): Map<string, Entry> | undefined {
  let byDecider = byStore.get(store);
  if (!byDecider && create) byStore.set(store, (byDecider = new WeakMap()));
  let entries = byDecider?.get(decider);
  if (!entries && create && byDecider) byDecider.set(decider, (entries = new Map()));
  return entries;
}

export const recentStates = {
  get(store: object, decider: object, streamId: string): Entry | null {
    return entriesOf(store, decider, false)?.get(streamId) ?? null;
  },
  set(store: object, decider: object, streamId: string, entry: Entry): void {
    const entries = entriesOf(store, decider, true)!;
    entries.delete(streamId);
    entries.set(streamId, entry);
    if (entries.size > MAX_PER_DECIDER) entries.delete(entries.keys().next().value as string);
  },
};
