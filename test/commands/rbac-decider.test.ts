import { roleDecider, userRolesDecider } from '../../src/commands/rbac/decider';
import type { RoleEvent, UserRolesEvent } from '../../src/commands/rbac/events';
import { sessionDecider } from '../../src/commands/laravel-sessions/decider';
import type { LaravelSessionEvent } from '../../src/commands/laravel-sessions/events';
import { deciderSpec } from '../support/decider-spec';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = t0.toISOString();
const roleId = 'a'.repeat(32);
const fields = { name: 'editor', displayName: '编辑', description: '', perms: ['/users/*' as const] };
const created = (builtin: boolean): RoleEvent => ({ type: 'RbacRoleCreated', data: { roleId, ...fields, builtin, at } });

describe('rbac roles', () => {
  const spec = deciderSpec(roleDecider);
  it('given nothing, when created, then RbacRoleCreated; given it, when created again, then refused', () => {
    spec.given().when({ type: 'CreateRole', roleId, fields, builtin: false, now: t0 }).then(created(false));
    spec.given(created(false)).when({ type: 'CreateRole', roleId, fields, builtin: false, now: t0 }).thenRefused('already_exists');
  });
  it('given a role, when deleted, then RbacRoleDeleted; deleted again or never created, then not found', () => {
    const deleted: RoleEvent = { type: 'RbacRoleDeleted', data: { roleId, name: 'editor', at } };
    spec.given(created(false)).when({ type: 'DeleteRole', now: t0 }).then(deleted);
    spec.given(created(false), deleted).when({ type: 'DeleteRole', now: t0 }).thenRefused('not_found');
    spec.given().when({ type: 'DeleteRole', now: t0 }).thenRefused('not_found');
  });
  it('given a built-in role, when deleted, then forbidden', () => {
    spec.given(created(true)).when({ type: 'DeleteRole', now: t0 }).thenRefused('forbidden');
  });
});

describe('rbac user roles', () => {
  const spec = deciderSpec(userRolesDecider);
  const userId = 'u'.repeat(32);
  const replaced = (roleIds: string[], previousRoleIds: string[]): UserRolesEvent => ({ type: 'RbacUserRolesReplaced', data: { userId, roleIds, previousRoleIds, at } });
  it('replaces the set, deduplicated; the same set (in any order) records nothing', () => {
    spec.given().when({ type: 'ReplaceUserRoles', userId, roleIds: ['r1', 'r2', 'r1'], now: t0 }).then(replaced(['r1', 'r2'], []));
    spec.given(replaced(['r1', 'r2'], [])).when({ type: 'ReplaceUserRoles', userId, roleIds: ['r2', 'r1'], now: t0 }).then();
    spec.given(replaced(['r1', 'r2'], [])).when({ type: 'ReplaceUserRoles', userId, roleIds: [], now: t0 }).then(replaced([], ['r1', 'r2']));
  });
  it('grants initial roles only to a user who never had any, even if they were all removed since', () => {
    spec.given().when({ type: 'GrantInitialRoles', userId, roleIds: ['r1'], now: t0 }).then(replaced(['r1'], []));
    spec.given(replaced(['r1'], []), replaced([], ['r1'])).when({ type: 'GrantInitialRoles', userId, roleIds: ['r1'], now: t0 }).then();
  });
});

describe('laravel sessions', () => {
  const spec = deciderSpec(sessionDecider);
  const sessionId = 's'.repeat(32);
  const started: LaravelSessionEvent = { type: 'LaravelSessionStarted', data: { sessionId, userId: 'u1', via: 'password', issuedAt: at, expiresAt: at } };
  it('ends a live session once; a second logout records nothing; an unknown one is refused', () => {
    const ended: LaravelSessionEvent = { type: 'LaravelSessionEnded', data: { sessionId, userId: 'u1', reason: 'logout', at } };
    spec.given(started).when({ type: 'EndSession', sessionId, now: t0 }).then(ended);
    spec.given(started, ended).when({ type: 'EndSession', sessionId, now: t0 }).then();
    spec.given().when({ type: 'EndSession', sessionId, now: t0 }).thenRefused('unauthenticated');
  });
});
