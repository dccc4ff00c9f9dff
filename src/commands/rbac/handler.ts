import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventMetadata, EventStore, UniqueClaim } from '../../eventstore/port';
import { refusal } from '../refusals';
import { handleCommand, loadState } from '../handle';
import { roleDecider, userRolesDecider, type RoleState } from './decider';
import { newGeneration, storeAccess, type UserAccess } from './access-cache';
import { roleStream, userRolesStream, type RoleFields } from './events';

export interface RbacDeps {
  store: EventStore;
  redis: Redis;
}

export const roleNameClaim = (name: string): UniqueClaim => ({ scope: 'rbac_role', value: name.trim().toLowerCase() });

/** Built-in roles get ids fixed by their names, so processes bootstrapping at once meet on one stream. */
export const builtinRoleId = (name: string): string => createHash('md5').update(`rbac-role:${name}`).digest('hex');

export async function createRole(deps: RbacDeps, fields: RoleFields, metadata: EventMetadata, options: { builtin?: boolean } = {}): Promise<{ roleId: string }> {
  const builtin = options.builtin ?? false;
  const roleId = builtin ? builtinRoleId(fields.name) : randomBytes(16).toString('hex');
  await handleCommand(
    { store: deps.store, metadata },
    roleStream(roleId),
    roleDecider,
    { type: 'CreateRole', roleId, fields, builtin, now: new Date(metadata.time) },
    { claims: () => ({ claims: [roleNameClaim(fields.name)] }) },
  );
  await newGeneration(deps.redis);
  return { roleId };
}

export async function deleteRole(deps: RbacDeps, roleId: string, metadata: EventMetadata): Promise<void> {
  await handleCommand({ store: deps.store, metadata }, roleStream(roleId), roleDecider, { type: 'DeleteRole', now: new Date(metadata.time) }, {
    claims: (before) => ({ releases: before.fields ? [roleNameClaim(before.fields.name)] : [] }),
  });
  await newGeneration(deps.redis);
}

export async function findRoleIdByName(store: EventStore, name: string): Promise<string | null> {
  const owner = await store.claimOwner(roleNameClaim(name));
  return owner?.startsWith('rbac-role-') ? owner.slice('rbac-role-'.length) : null;
}

async function roleIdsOf(store: EventStore, names: string[]): Promise<string[]> {
  const ids = await Promise.all(names.map((n) => findRoleIdByName(store, n)));
  const missing = names.filter((_, i) => ids[i] === null);
  if (missing.length) throw refusal('role_names_unknown', { field: 'rolenames', names: missing });
  return ids as string[];
}

/** `attach`: the user's roles become exactly these (an empty list removes them all). */
export async function replaceUserRoles(deps: RbacDeps, userId: string, roleNames: string[], metadata: EventMetadata): Promise<void> {
  const roleIds = await roleIdsOf(deps.store, roleNames);
  await handleCommand({ store: deps.store, metadata }, userRolesStream(userId), userRolesDecider, { type: 'ReplaceUserRoles', userId, roleIds, now: new Date(metadata.time) });
  await newGeneration(deps.redis);
}

/** Gives roles to a user who never had any (bootstrap, a user new from WeCom); otherwise changes nothing. */
export async function grantInitialRoles(deps: RbacDeps, userId: string, roleNames: string[], metadata: EventMetadata): Promise<boolean> {
  const roleIds = await roleIdsOf(deps.store, roleNames);
  const result = await handleCommand({ store: deps.store, metadata }, userRolesStream(userId), userRolesDecider, { type: 'GrantInitialRoles', userId, roleIds, now: new Date(metadata.time) });
  if (result.events.length) await newGeneration(deps.redis);
  return result.events.length > 0;
}

export interface RoleView {
  roleId: string;
  fields: RoleFields;
  createdAt: string;
}

/** The user's live roles, folded from the write side (a deleted role no longer counts). */
export async function loadUserRoles(store: EventStore, userId: string): Promise<RoleView[]> {
  const { state } = await loadState(store, userRolesStream(userId), userRolesDecider);
  const roles = await Promise.all(state.roleIds.map((id) => loadState(store, roleStream(id), roleDecider).then((r) => r.state)));
  return roles.filter((r): r is RoleState & { roleId: string; fields: RoleFields; createdAt: string } => r.exists && !r.deleted && !!r.fields).map((r) => ({ roleId: r.roleId, fields: r.fields, createdAt: r.createdAt }));
}

/** Rebuilds a user's cached access under `generation` (read before this call). */
export async function rebuildAccess(deps: RbacDeps, userId: string, generation: string | null): Promise<UserAccess> {
  const roles = await loadUserRoles(deps.store, userId);
  const access: UserAccess = {
    roles: Object.fromEntries(roles.map((r) => [r.fields.name, r.fields.displayName])),
    perms: [...new Set(roles.flatMap((r) => r.fields.perms))],
  };
  await storeAccess(deps.redis, userId, generation, access);
  return access;
}
