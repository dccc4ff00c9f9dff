import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../../config';
import { UniqueClaimConflictError } from '../../eventstore/errors';
import type { EventMetadata, EventStore, UniqueClaim } from '../../eventstore/port';
import type { Logger } from '../../observability/logger';
import { defineQueue } from '../../jobs/definition';
import type { JobQueues } from '../../runtime/queues';
import { wecomClient, type WecomMember } from '../../wecom/client';
import { DomainError } from '../domain-error';
import { handleCommand, loadState } from '../handle';
import { accountClaim, emailClaim, mobileClaim, registerUser, USER_SNAPSHOTS, writeUserStatusThrough } from '../identity/handler';
import { userStream } from '../identity/events';
import { grantInitialRoles } from '../rbac/handler';
import type { SnapshotStore } from '../snapshots';
import { directoryDecider } from './directory-decider';
import { DIRECTORY_STREAM, type Department } from './events';
import { memberDecider, type MemberRecord } from './member-decider';

export interface WecomDeps {
  config: Config;
  redis: Redis;
  store: EventStore;
  queues: JobQueues;
  logger: Logger;
  snapshots?: SnapshotStore;
}

/** Rate limits (45009) and an unreachable WeCom are retried 1, 2, 4, 8 s apart; a bad secret is not. */
export const SYNC_QUEUE = defineQueue<{ requestedBy: string }>('wecom-sync', { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } });
const PARALLEL = 8;
const MEMBER_ROLE = 'user';

/**
 * Enqueues one directory sync. Requests dedupe on one id: while a sync waits, more requests
 * add nothing; while one runs, one more is kept to run after it (it may have missed a change).
 */
export async function requestDirectorySync(queues: JobQueues, requestedBy: string): Promise<void> {
  await queues.add(SYNC_QUEUE, 'sync', { requestedBy }, { deduplication: { id: 'wecom-directory-sync', keepLastIfActive: true } });
}

const ownerUserId = async (store: EventStore, claim: UniqueClaim): Promise<string | null> => {
  const owner = await store.claimOwner(claim);
  return owner?.startsWith('user-') ? owner.slice('user-'.length) : null;
};

/** A mobile or email another user already holds is left out rather than failing the member's sync. */
async function unclaimed(store: EventStore, value: string | undefined, claim: (v: string) => UniqueClaim, userId: string | null): Promise<string | null> {
  if (!value) return null;
  const owner = await ownerUserId(store, claim(value));
  return owner === null || owner === userId ? value : null;
}

async function memberRecord(store: EventStore, m: WecomMember, userId: string | null): Promise<MemberRecord> {
  return {
    wecomUserId: m.userid,
    name: m.name || m.userid,
    mobile: await unclaimed(store, m.mobile, mobileClaim, userId),
    email: await unclaimed(store, m.email, emailClaim, userId),
    headImg: m.avatar || null,
    departments: m.department ?? [],
  };
}

/** Registers the member's user (username = WeCom userid, role `user`) if there is none, then records what changed. */
async function syncMember(deps: WecomDeps, m: WecomMember, metadata: EventMetadata): Promise<{ userId: string | null; changes: number }> {
  let changes = 0;
  let userId = await ownerUserId(deps.store, accountClaim(m.userid));
  let record = await memberRecord(deps.store, m, userId);
  if (!userId) {
    try {
      const profile = { account: m.userid, name: record.name, mobile: record.mobile, email: record.email, headImg: record.headImg, tenantId: null };
      // Members sign in with a WeCom code; the password is random and never shown to anyone.
      ({ userId } = await registerUser({ store: deps.store, dataKey: deps.config.dataKey }, { profile, password: randomBytes(24).toString('hex'), roles: ['user'] }, metadata));
      changes++;
    } catch (err) {
      if (!(err instanceof UniqueClaimConflictError)) throw err;
      userId = await ownerUserId(deps.store, accountClaim(m.userid));
      if (!userId) throw err;
      record = await memberRecord(deps.store, m, userId);
    }
  }
  try {
    const result = await handleCommand({ store: deps.store, metadata, snapshots: deps.snapshots }, userStream(userId), memberDecider, { type: 'SyncWecomMember', member: record, now: new Date(metadata.time) }, {
      snapshot: USER_SNAPSHOTS,
      claims: (before, events) => {
        const updated = events.find((e) => e.type === 'UserProfileUpdated');
        if (!updated || updated.type !== 'UserProfileUpdated' || !before.profile) return {};
        const claims: UniqueClaim[] = [];
        const releases: UniqueClaim[] = [];
        for (const [old, now, claim] of [
          [before.profile.mobile, updated.data.mobile, mobileClaim],
          [before.profile.email, updated.data.email, emailClaim],
        ] as const) {
          if (old === now) continue;
          if (now) claims.push(claim(now));
          if (old) releases.push(claim(old));
        }
        return { claims, releases };
      },
    });
    changes += result.events.length;
    await writeUserStatusThrough(deps.redis, userId, result);
    if (await grantMemberRole(deps, userId, metadata)) changes++;
  } catch (err) {
    if (err instanceof DomainError && err.code === 'forbidden') {
      deps.logger.warn({ wecomUserId: m.userid }, err.message);
      return { userId: null, changes };
    }
    throw err;
  }
  return { userId, changes };
}

/**
 * A member gets the role `user` (QR sign-in) unless their roles were ever set: checked on every
 * sync, so members registered before this grant existed get it too, and an admin's choice stands.
 */
async function grantMemberRole(deps: WecomDeps, userId: string, metadata: EventMetadata): Promise<boolean> {
  try {
    return await grantInitialRoles(deps, userId, [MEMBER_ROLE], metadata);
  } catch (err) {
    if (!(err instanceof DomainError && err.code === 'not_found')) throw err;
    deps.logger.warn({ role: MEMBER_ROLE }, 'the role for WeCom members is gone: members are synced without it');
    return false;
  }
}

async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL) results.push(...(await Promise.all(items.slice(i, i + PARALLEL).map(run))));
  return results;
}

export interface SyncSummary {
  departments: number;
  members: number;
  /** Events appended: 0 when WeCom and our records already agree. */
  changes: number;
}

/**
 * Pulls departments and members from WeCom and appends only what differs from what is recorded.
 * Everything is read from WeCom before anything is written, so a refusal midway writes nothing.
 */
export async function syncDirectory(deps: WecomDeps, metadata: EventMetadata): Promise<SyncSummary> {
  const client = wecomClient(deps);
  const departments: Department[] = (await client.departments()).map((d) => ({ id: d.id, name: d.name, parentId: d.parentid ?? 0, order: d.order ?? 0 }));
  const ids = new Set(departments.map((d) => d.id));
  const roots = departments.filter((d) => !ids.has(d.parentId)).map((d) => d.id);
  const pulled = roots.length ? await client.members(roots) : [];
  // Disabled (2) and departed (5) members count as gone.
  const members = pulled.filter((m) => m.status !== 2 && m.status !== 5);

  const ctx = { store: deps.store, metadata };
  const now = new Date(metadata.time);
  let changes = (await handleCommand(ctx, DIRECTORY_STREAM, directoryDecider, { type: 'SyncDepartments', departments, now })).events.length;
  const synced = await inBatches(members, async (m) => ({ wecomUserId: m.userid, ...(await syncMember(deps, m, metadata)) }));
  const active: Record<string, string> = {};
  for (const s of synced) {
    changes += s.changes;
    if (s.userId) active[s.wecomUserId] = s.userId;
  }

  const { state } = await loadState(deps.store, DIRECTORY_STREAM, directoryDecider);
  const gone = Object.entries(state.members).filter(([wecomUserId, userId]) => active[wecomUserId] !== userId);
  const unlinked = await inBatches(gone, async ([wecomUserId, userId]) => {
    const result = await handleCommand({ ...ctx, snapshots: deps.snapshots }, userStream(userId), memberDecider, { type: 'UnlinkWecomMember', wecomUserId, now }, { snapshot: USER_SNAPSHOTS });
    await writeUserStatusThrough(deps.redis, userId, result);
    return result;
  });
  for (const r of unlinked) changes += r.events.length;
  changes += (await handleCommand(ctx, DIRECTORY_STREAM, directoryDecider, { type: 'ReconcileMembers', active, now })).events.length;
  return { departments: departments.length, members: members.length, changes };
}
