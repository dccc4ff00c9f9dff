import assert from 'node:assert/strict';
import { permissionsDecider, type PermissionCommand } from '../../src/commands/permissions/decider';
import type { FunctionFields, NavigatorFields, PermissionEvent } from '../../src/commands/permissions/events';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(permissionsDecider);
const appId = 'a'.repeat(32);
const now = new Date('2026-01-01T00:00:00.000Z');
const at = now.toISOString();
const stamp = { appId, now };
const ids = { group: '1'.repeat(32), module: '2'.repeat(32), fn: '3'.repeat(32), fn2: '4'.repeat(32), role: '5'.repeat(32), role2: '6'.repeat(32), user: '7'.repeat(32) };
const moduleInfo = { iconUrl: null, module: null, file: null, autoLoad: null };
const funcInfo = { method: 'refresh', iconUrl: null, beginGroup: true, hideText: false };
const groupFields: NavigatorFields = { parentId: null, type: 1, index: 1, name: '系统设置', moduleInfo };
const moduleFields: NavigatorFields = { parentId: ids.group, type: 2, index: 1, name: '角色权限', moduleInfo: { ...moduleInfo, module: 'Roles' } };
const fnFields: FunctionFields = { navId: ids.module, type: 0, index: 1, name: '刷新', authCodes: 'getRole', funcInfo };

const groupCreated: PermissionEvent = { type: 'NavigatorCreated', data: { appId, navigatorId: ids.group, at, ...groupFields } };
const moduleCreated: PermissionEvent = { type: 'NavigatorCreated', data: { appId, navigatorId: ids.module, at, ...moduleFields } };
const fnCreated: PermissionEvent = { type: 'FunctionCreated', data: { appId, functionId: ids.fn, at, ...fnFields } };
const roleCreated: PermissionEvent = { type: 'RoleCreated', data: { appId, roleId: ids.role, name: '管理员', remark: null, at } };
const permitted: PermissionEvent = { type: 'RolePermitsSet', data: { appId, roleId: ids.role, permits: [{ functionId: ids.fn, permit: 1 }], removed: [], at } };
const member: PermissionEvent = { type: 'UserRolesSet', data: { appId, userId: ids.user, roleIds: [ids.role], removed: [], at } };
const cmd = (c: Record<string, unknown>) => ({ ...stamp, ...c }) as PermissionCommand;

describe('permissions: navigators', () => {
  it('given nothing, when a group is created, then NavigatorCreated', () => {
    spec.given().when(cmd({ type: 'CreateNavigator', navigatorId: ids.group, fields: groupFields })).then(groupCreated);
  });

  it('given a group, when a module is created inside it, then NavigatorCreated with its parent', () => {
    spec.given(groupCreated).when(cmd({ type: 'CreateNavigator', navigatorId: ids.module, fields: moduleFields })).then(moduleCreated);
  });

  it('given no group, when a module names a missing parent, then it is refused', () => {
    spec.given().when(cmd({ type: 'CreateNavigator', navigatorId: ids.module, fields: moduleFields })).thenRefused('validation_failed');
  });

  it('given a module, when another module names it as parent, then it is refused (modules sit in groups only)', () => {
    spec
      .given(groupCreated, moduleCreated)
      .when(cmd({ type: 'CreateNavigator', navigatorId: ids.fn, fields: { ...moduleFields, parentId: ids.module } }))
      .thenRefused('validation_failed');
  });

  it('given a group with a module, when the group is deleted, then conflict; when it would become a module, then conflict', () => {
    spec.given(groupCreated, moduleCreated).when(cmd({ type: 'DeleteNavigator', navigatorId: ids.group })).thenRefused('conflict');
    spec
      .given(groupCreated, moduleCreated)
      .when(cmd({ type: 'UpdateNavigator', navigatorId: ids.group, fields: { ...moduleFields, parentId: ids.module } }))
      .thenRefused('validation_failed');
    const other: PermissionEvent = { type: 'NavigatorCreated', data: { appId, navigatorId: ids.fn2, at, ...groupFields, name: '其他' } };
    spec
      .given(groupCreated, moduleCreated, other)
      .when(cmd({ type: 'UpdateNavigator', navigatorId: ids.group, fields: { ...moduleFields, parentId: ids.fn2 } }))
      .thenRefused('conflict');
  });

  it('given an empty group, when it would become a module inside itself, then it is refused', () => {
    spec.given(groupCreated).when(cmd({ type: 'UpdateNavigator', navigatorId: ids.group, fields: { ...moduleFields, parentId: ids.group } })).thenRefused('validation_failed');
  });

  it('given a module with a function, when the module is deleted, then conflict', () => {
    spec.given(groupCreated, moduleCreated, fnCreated).when(cmd({ type: 'DeleteNavigator', navigatorId: ids.module })).thenRefused('conflict');
  });

  it('given an empty module, when deleted, then NavigatorDeleted; when updated unknown, then not_found', () => {
    spec.given(groupCreated, moduleCreated).when(cmd({ type: 'DeleteNavigator', navigatorId: ids.module })).then({ type: 'NavigatorDeleted', data: { appId, navigatorId: ids.module, at } });
    spec.given().when(cmd({ type: 'UpdateNavigator', navigatorId: ids.group, fields: groupFields })).thenRefused('not_found');
  });
});

describe('permissions: functions', () => {
  it('given a module, when a function is created in it, then FunctionCreated', () => {
    spec.given(groupCreated, moduleCreated).when(cmd({ type: 'CreateFunction', functionId: ids.fn, fields: fnFields })).then(fnCreated);
  });

  it('given only a group, when a function is created in the group, then it is refused (functions belong to modules)', () => {
    spec.given(groupCreated).when(cmd({ type: 'CreateFunction', functionId: ids.fn, fields: { ...fnFields, navId: ids.group } })).thenRefused('validation_failed');
  });

  it('given a permitted function, when deleted, then FunctionDeleted names the roles whose permit goes with it', () => {
    spec
      .given(groupCreated, moduleCreated, fnCreated, roleCreated, permitted)
      .when(cmd({ type: 'DeleteFunction', functionId: ids.fn }))
      .then({ type: 'FunctionDeleted', data: { appId, functionId: ids.fn, roleIds: [ids.role], at } });
  });
});

describe('permissions: roles, permits and members', () => {
  it('given a role, when another role takes its name, then already_exists', () => {
    spec.given(roleCreated).when(cmd({ type: 'CreateRole', roleId: ids.role2, fields: { name: '管理员', remark: null } })).thenRefused('already_exists');
  });

  it('given a role and a function, when permits are set, then RolePermitsSet; setting the same again records nothing', () => {
    spec
      .given(groupCreated, moduleCreated, fnCreated, roleCreated)
      .when(cmd({ type: 'SetRolePermits', roleId: ids.role, permits: [{ functionId: ids.fn, permit: 1 }] }))
      .then(permitted);
    spec.given(groupCreated, moduleCreated, fnCreated, roleCreated, permitted).when(cmd({ type: 'SetRolePermits', roleId: ids.role, permits: [{ functionId: ids.fn, permit: 1 }] })).then();
  });

  it('given a permit, when the list leaves the function out, then it is listed as removed', () => {
    spec
      .given(groupCreated, moduleCreated, fnCreated, roleCreated, permitted)
      .when(cmd({ type: 'SetRolePermits', roleId: ids.role, permits: [] }))
      .then({ type: 'RolePermitsSet', data: { appId, roleId: ids.role, permits: [], removed: [ids.fn], at } });
  });

  it('when a permit names a function of no module of this app, or the same function twice, then validation_failed', () => {
    spec.given(roleCreated).when(cmd({ type: 'SetRolePermits', roleId: ids.role, permits: [{ functionId: ids.fn2, permit: 1 }] })).thenRefused('validation_failed');
    spec
      .given(groupCreated, moduleCreated, fnCreated, roleCreated)
      .when(cmd({ type: 'SetRolePermits', roleId: ids.role, permits: [{ functionId: ids.fn, permit: 1 }, { functionId: ids.fn, permit: 0 }] }))
      .thenRefused('validation_failed');
  });

  it('given a role, when a user is given it (twice in the list), then UserRolesSet once; an unknown role is refused', () => {
    spec.given(roleCreated).when(cmd({ type: 'SetUserRoles', userId: ids.user, roleIds: [ids.role, ids.role] })).then(member);
    spec.given(roleCreated).when(cmd({ type: 'SetUserRoles', userId: ids.user, roleIds: [ids.role2] })).thenRefused('validation_failed');
  });

  it('given a role with a permit and a member, when deleted, then RoleDeleted names both, and the user holds no role any more', () => {
    const d = spec.given(groupCreated, moduleCreated, fnCreated, roleCreated, permitted, member).when(cmd({ type: 'DeleteRole', roleId: ids.role }));
    d.then({ type: 'RoleDeleted', data: { appId, roleId: ids.role, functionIds: [ids.fn], userIds: [ids.user], at } });
    const state = [groupCreated, moduleCreated, fnCreated, roleCreated, permitted, member, ...d.decision.events].reduce(
      permissionsDecider.evolve,
      permissionsDecider.initialState(),
    );
    assert.deepEqual(state.members[ids.user], []);
  });
});

describe('permissions: ids a client sends are never Object.prototype members', () => {
  for (const id of ['constructor', '__proto__', 'toString']) {
    it(`given a role and a function, when a client names ${id}, then it is unknown: not found or invalid, nothing recorded`, () => {
      const given = spec.given(groupCreated, moduleCreated, fnCreated, roleCreated);
      given.when(cmd({ type: 'DeleteRole', roleId: id })).thenRefused('not_found');
      given.when(cmd({ type: 'SetRolePermits', roleId: id, permits: [] })).thenRefused('not_found');
      given.when(cmd({ type: 'SetRolePermits', roleId: ids.role, permits: [{ functionId: id, permit: 1 }] })).thenRefused('validation_failed');
      given.when(cmd({ type: 'DeleteFunction', functionId: id })).thenRefused('not_found');
      given.when(cmd({ type: 'SetUserRoles', userId: ids.user, roleIds: [id] })).thenRefused('validation_failed');
    });
  }
});
