import type { Redis } from 'ioredis';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { handleCommand, loadState } from '../handle';
import { sessionDecider, type SessionState } from './decider';
import { laravelSessionStream, type SignInVia } from './events';
import { storeSession } from './session-cache';

export interface SessionDeps {
  store: EventStore;
  redis: Redis;
}

export async function startSession(
  deps: SessionDeps,
  input: { sessionId: string; userId: string; via: SignInVia; expiresAt: Date },
  metadata: EventMetadata,
): Promise<void> {
  // The session id was just drawn at random: its stream cannot exist yet.
  const result = await handleCommand({ store: deps.store, metadata, newStream: true }, laravelSessionStream(input.sessionId), sessionDecider, {
    type: 'StartSession',
    ...input,
    now: new Date(metadata.time),
  });
  await storeSession(deps.redis, input.sessionId, result.revision, result.state);
}

/** Logout: recorded on the session's stream, then written through so the next request is refused. */
export async function endSession(deps: SessionDeps, sessionId: string, metadata: EventMetadata): Promise<void> {
  const result = await handleCommand({ store: deps.store, metadata }, laravelSessionStream(sessionId), sessionDecider, {
    type: 'EndSession',
    sessionId,
    now: new Date(metadata.time),
  });
  await storeSession(deps.redis, sessionId, result.revision, result.state);
}

/** A Redis miss (eviction, flush): fold the stream once and put the answer back. */
export async function rebuildSession(deps: SessionDeps, sessionId: string): Promise<SessionState> {
  const { state, revision } = await loadState(deps.store, laravelSessionStream(sessionId), sessionDecider);
  await storeSession(deps.redis, sessionId, revision, state);
  return state;
}
