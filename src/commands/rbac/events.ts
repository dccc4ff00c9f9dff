/**
 * Laravel-template RBAC: one stream per role, `rbac-role-<id>`, and one per user's role set,
 * `rbac-user-<userId>`, so replacing a user's roles is decided on that user's stream alone.
 * Permissions are the template's path patterns. Event names carry `Rbac` apart from the Insight permissions context's `RoleCreated`.
 */
export const PERMISSIONS = ['/users/*', '/rbac/*', '/departments/*', '/qrlogin/*'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface RoleFields {
  name: string;
  displayName: string;
  description: string;
  perms: Permission[];
}

export type RoleEvent =
  | { type: 'RbacRoleCreated'; data: RoleFields & { roleId: string; builtin: boolean; at: string } }
  | { type: 'RbacRoleDeleted'; data: { roleId: string; name: string; at: string } };

export type UserRolesEvent = { type: 'RbacUserRolesReplaced'; data: { userId: string; roleIds: string[]; previousRoleIds: string[]; at: string } };

export type RbacEvent = RoleEvent | UserRolesEvent;

export const rbacEventTypes: RbacEvent['type'][] = ['RbacRoleCreated', 'RbacRoleDeleted', 'RbacUserRolesReplaced'];

export const roleStream = (roleId: string): string => `rbac-role-${roleId}`;
export const userRolesStream = (userId: string): string => `rbac-user-${userId}`;
