/**
 * The pushes this process recorded lately, per event store. WeChat retries a push that got no
 * quick answer (three tries within about fifteen seconds), which is exactly when we are busiest: a
 * retry known here is answered without a statement, and one that arrives while its original is
 * still being appended waits for that append instead of racing it. A push recorded by another
 * process is not known here; the append's own no_stream check answers it.
 */
const KEEP = 50_000;

interface Pushes {
  recorded: Set<string>;
  /** Settles true when the append recorded the push (or found it recorded), false when it failed. */
  inFlight: Map<string, Promise<boolean>>;
}

const byStore = new WeakMap<object, Pushes>();

function pushesOf(store: object): Pushes {
  let pushes = byStore.get(store);
  if (!pushes) byStore.set(store, (pushes = { recorded: new Set(), inFlight: new Map() }));
  return pushes;
}

/**
 * Runs `append` (true: it recorded the push; false: the stream already held it) unless the push
 * is known to be recorded. Answers whether this call was a duplicate. An append that fails is not
 * remembered, so a later retry tries again.
 */
export async function recordOnce(store: object, streamId: string, append: () => Promise<boolean>): Promise<{ duplicate: boolean }> {
  const pushes = pushesOf(store);
  if (pushes.recorded.has(streamId)) return { duplicate: true };
  const original = pushes.inFlight.get(streamId);
  if (original && (await original)) return { duplicate: true };

  const attempt = append();
  const settled = attempt.then(
    () => true,
    () => false,
  );
  pushes.inFlight.set(streamId, settled);
  try {
    const fresh = await attempt;
    remember(pushes.recorded, streamId);
    return { duplicate: !fresh };
  } finally {
    if (pushes.inFlight.get(streamId) === settled) pushes.inFlight.delete(streamId);
  }
}

function remember(recorded: Set<string>, streamId: string): void {
  recorded.add(streamId);
  if (recorded.size > KEEP) recorded.delete(recorded.values().next().value as string);
}
