/**
 * The permissions of one Insight application: its navigators (groups and modules), the functions
 * of each module, its roles, what each role permits, and who holds which role. All of it lives in
 * one stream per application, `permissions-<appId>`, so that "a function's module exists" or
 * "a permit names a function of this app" hold under concurrent edits by optimistic concurrency.
 */

/** 1 = a group (top level), 2 = a module (inside a group). */
export type NavigatorType = 1 | 2;

export interface ModuleInfo {
  iconUrl: string | null;
  module: string | null;
  file: string | null;
  autoLoad: boolean | null;
}

export interface NavigatorFields {
  parentId: string | null;
  type: NavigatorType;
  index: number;
  name: string;
  moduleInfo: ModuleInfo;
}

export interface FuncInfo {
  method: string | null;
  iconUrl: string | null;
  beginGroup: boolean | null;
  hideText: boolean | null;
}

export interface FunctionFields {
  navId: string;
  type: number;
  index: number;
  name: string;
  /** Comma-separated authorization codes the gateway checks configs' authCode against. */
  authCodes: string | null;
  funcInfo: FuncInfo;
}

export interface RoleFields {
  name: string;
  remark: string | null;
}

/** 1 allows the function, 0 denies it; a deny from any of a user's roles wins. */
export type PermitValue = 0 | 1;

export interface Permit {
  functionId: string;
  permit: PermitValue;
}

export type PermissionEvent =
  | { type: 'NavigatorCreated'; data: { appId: string; navigatorId: string; at: string } & NavigatorFields }
  | { type: 'NavigatorUpdated'; data: { appId: string; navigatorId: string; at: string } & NavigatorFields }
  | { type: 'NavigatorDeleted'; data: { appId: string; navigatorId: string; at: string } }
  | { type: 'FunctionCreated'; data: { appId: string; functionId: string; at: string } & FunctionFields }
  | { type: 'FunctionUpdated'; data: { appId: string; functionId: string; at: string } & FunctionFields }
  /** `roleIds`: the roles whose permit on it went with it. */
  | { type: 'FunctionDeleted'; data: { appId: string; functionId: string; roleIds: string[]; at: string } }
  | { type: 'RoleCreated'; data: { appId: string; roleId: string; at: string } & RoleFields }
  | { type: 'RoleUpdated'; data: { appId: string; roleId: string; at: string } & RoleFields }
  /** `functionIds` and `userIds`: the permits and memberships that went with it. */
  | { type: 'RoleDeleted'; data: { appId: string; roleId: string; functionIds: string[]; userIds: string[]; at: string } }
  /** The role's whole permit list after the change; `removed` are the functions it no longer mentions. */
  | { type: 'RolePermitsSet'; data: { appId: string; roleId: string; permits: Permit[]; removed: string[]; at: string } }
  /** The user's whole role list in this app after the change; `removed` are the roles taken away. */
  | { type: 'UserRolesSet'; data: { appId: string; userId: string; roleIds: string[]; removed: string[]; at: string } };

export type PermissionEventType = PermissionEvent['type'];

export const permissionEventTypes: PermissionEventType[] = [
  'NavigatorCreated',
  'NavigatorUpdated',
  'NavigatorDeleted',
  'FunctionCreated',
  'FunctionUpdated',
  'FunctionDeleted',
  'RoleCreated',
  'RoleUpdated',
  'RoleDeleted',
  'RolePermitsSet',
  'UserRolesSet',
];

export const permissionsStream = (appId: string): string => `permissions-${appId}`;
