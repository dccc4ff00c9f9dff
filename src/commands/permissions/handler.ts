import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { handleCommand } from '../handle';
import type { SnapshotPolicy, SnapshotStore } from '../snapshots';
import { permissionsDecider, type PermissionCommand, type PermissionsState } from './decider';
import { permissionsStream, type PermissionEvent } from './events';

export interface PermissionsDeps {
  store: EventStore;
  redis: Redis;
  snapshots?: SnapshotStore;
}

/** Bump the schema whenever PermissionsState or evolvePermissions changes. */
export const PERMISSION_SNAPSHOTS: SnapshotPolicy = { schema: 'permissions-state@1', every: 100 };

export const newPermissionId = (): string => randomBytes(16).toString('hex');

/** Redis key holding the newest revision of an application's permissions stream (see permitted-codes). */
export const permissionsRevisionKey = (appId: string): string => `permissions-revision:${appId}`;

/** Raises the stored revision, never lowers it: two writers may finish out of order. */
const RAISE = `local c = tonumber(redis.call('GET', KEYS[1]) or '-1') if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1]) end return 1`;

type Unstamped = PermissionCommand extends infer C ? (C extends PermissionCommand ? Omit<C, 'appId' | 'now'> : never) : never;

/**
 * Decides one change to an application's permissions on its stream, then records the stream's
 * new revision in Redis so that cached permitted codes older than it are no longer used.
 */
export async function changePermissions(
  deps: PermissionsDeps,
  appId: string,
  command: Unstamped,
  metadata: EventMetadata,
): Promise<{ state: PermissionsState; events: PermissionEvent[]; revision: number }> {
  const result = await handleCommand(
    { store: deps.store, metadata, snapshots: deps.snapshots },
    permissionsStream(appId),
    permissionsDecider,
    { ...command, appId, now: new Date(metadata.time) } as PermissionCommand,
    { snapshot: PERMISSION_SNAPSHOTS },
  );
  if (result.events.length > 0) await deps.redis.eval(RAISE, 1, permissionsRevisionKey(appId), String(result.revision));
  return result;
}
