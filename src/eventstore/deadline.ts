import { EventStoreUnavailableError } from './errors';

/** Runs `lookup` within `deadlineMs`, or fails as unavailable: an unknown outcome is never a 500. */
export async function withinDeadline<T>(deadlineMs: number, what: string, lookup: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      lookup(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new EventStoreUnavailableError(`${what}: no answer within ${deadlineMs} ms`)), deadlineMs);
      }),
    ]);
  } catch (err) {
    if (err instanceof EventStoreUnavailableError) throw err;
    throw new EventStoreUnavailableError(`${what}: ${(err as Error).message ?? String(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
