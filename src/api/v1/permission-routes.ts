import { loadApp } from '../../commands/applications/handler';
import { DomainError } from '../../commands/domain-error';
import { userStream } from '../../commands/identity/events';
import { changePermissions, newPermissionId } from '../../commands/permissions/handler';
import type { FunctionFields, NavigatorFields, Permit, RoleFields } from '../../commands/permissions/events';
import {
  functionsOfNavigator,
  navigatorsOfApp,
  permitsOfRole,
  rolesOfApp,
  rolesOfUser,
} from '../../projections/permissions/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type JsonSchema, type RouteContext } from '../route';
import type { AdminPrincipal } from './admin-session';
import { functionJson, functionSchema, navigatorJson, navigatorSchema } from '../insight/permission-json';

/**
 * Management of an Insight application's navigators, functions, roles, permits and role members.
 * Writes are decided on the application's permissions stream; lists read the permissions read
 * model, so a change shows in them once the projector has applied it (usually milliseconds).
 */

const HEX32 = '^[0-9a-f]{32}$';
const id32: JsonSchema = { type: 'string', pattern: HEX32 };
const nullableText = (max: number): JsonSchema => ({ type: ['string', 'null'], maxLength: max });

const appParams: JsonSchema = { type: 'object', required: ['appId'], properties: { appId: id32 } };
const appAndId: JsonSchema = { type: 'object', required: ['appId', 'id'], properties: { appId: id32, id: id32 } };

const navigatorBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'index', 'name'],
  properties: {
    parentId: { type: ['string', 'null'], pattern: HEX32, default: null },
    type: { enum: [1, 2], description: '1 = group (top level), 2 = module (inside a group)' },
    index: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    name: { type: 'string', minLength: 1, maxLength: 64 },
    moduleInfo: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        iconUrl: nullableText(512),
        module: nullableText(128),
        file: nullableText(256),
        autoLoad: { type: ['boolean', 'null'] },
      },
    },
  },
};

const functionBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['navId', 'type', 'index', 'name'],
  properties: {
    navId: { ...id32, description: 'The module (type 2 navigator) the function belongs to' },
    type: { type: 'integer', minimum: 0, maximum: 100 },
    index: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    name: { type: 'string', minLength: 1, maxLength: 64 },
    authCodes: { type: ['string', 'null'], maxLength: 512, pattern: '^[A-Za-z0-9_:.,-]*$', default: null, description: 'Comma-separated authorization codes' },
    funcInfo: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        method: nullableText(128),
        iconUrl: nullableText(512),
        beginGroup: { type: ['boolean', 'null'] },
        hideText: { type: ['boolean', 'null'] },
      },
    },
  },
};

const roleBody: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, remark: { type: ['string', 'null'], maxLength: 512, default: null } },
};

const roleSchema: JsonSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, appId: { type: 'string' }, name: { type: 'string' }, remark: { type: ['string', 'null'] }, members: { type: 'integer' }, createdAt: { type: 'string' } },
};
const created: JsonSchema = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: HEX32 } } };

type NavigatorBody = { parentId: string | null; type: 1 | 2; index: number; name: string; moduleInfo: Partial<NavigatorFields['moduleInfo']> };
type FunctionBody = { navId: string; type: number; index: number; name: string; authCodes: string | null; funcInfo: Partial<FunctionFields['funcInfo']> };

const navigatorFields = (b: NavigatorBody): NavigatorFields => ({
  parentId: b.parentId ?? null,
  type: b.type,
  index: b.index,
  name: b.name,
  moduleInfo: { iconUrl: b.moduleInfo.iconUrl ?? null, module: b.moduleInfo.module ?? null, file: b.moduleInfo.file ?? null, autoLoad: b.moduleInfo.autoLoad ?? null },
});
const functionFields = (b: FunctionBody): FunctionFields => ({
  navId: b.navId,
  type: b.type,
  index: b.index,
  name: b.name,
  authCodes: b.authCodes || null,
  funcInfo: { method: b.funcInfo.method ?? null, iconUrl: b.funcInfo.iconUrl ?? null, beginGroup: b.funcInfo.beginGroup ?? null, hideText: b.funcInfo.hideText ?? null },
});

export function permissionRoutes(deps: Dependencies) {
  const { knex } = deps;
  const tags = ['permissions'];

  /** Writes go to an application that exists; the write itself is decided on its permissions stream. */
  async function change(ctx: RouteContext, appId: string, command: Parameters<typeof changePermissions>[2]) {
    if (!(await loadApp(deps.store, appId)).exists) throw new DomainError('not_found', `no application ${appId}`);
    const admin = ctx.state.admin as AdminPrincipal;
    return changePermissions(deps, appId, command, requestMetadata(ctx, { kind: 'admin', id: admin.userId, name: admin.account }));
  }

  return [
    defineRoute<{ params: { appId: string } }>({
      method: 'get',
      path: '/apps/:appId/navigators',
      summary: "List an application's navigators (groups and modules)",
      tags,
      request: { params: appParams },
      responses: { 200: { description: 'Ordered by parent, then index', schema: { type: 'array', items: navigatorSchema } } },
      handler: async (ctx) => (await navigatorsOfApp(knex, ctx.params.appId)).map((n) => navigatorJson(n)),
    }),
    defineRoute<{ params: { appId: string }; body: NavigatorBody }>({
      method: 'post',
      path: '/apps/:appId/navigators',
      summary: 'Create a navigator: a group (type 1, no parent) or a module (type 2, inside a group)',
      tags,
      request: { params: appParams, body: navigatorBody },
      responses: { 201: { description: 'Created', schema: created }, 404: { description: 'No such application' }, 422: { description: 'Invalid, or the parent is not a group' } },
      async handler(ctx) {
        const id = newPermissionId();
        await change(ctx, ctx.params.appId, { type: 'CreateNavigator', navigatorId: id, fields: navigatorFields(ctx.request.body) });
        ctx.status = 201;
        return { id };
      },
    }),
    defineRoute<{ params: { appId: string; id: string }; body: NavigatorBody }>({
      method: 'put',
      path: '/apps/:appId/navigators/:id',
      summary: 'Replace a navigator',
      tags,
      request: { params: appAndId, body: navigatorBody },
      responses: { 204: { description: 'Changed' }, 404: { description: 'No such application or navigator' }, 409: { description: 'It would strand its modules or functions' } },
      async handler(ctx) {
        await change(ctx, ctx.params.appId, { type: 'UpdateNavigator', navigatorId: ctx.params.id, fields: navigatorFields(ctx.request.body) });
      },
    }),
    defineRoute<{ params: { appId: string; id: string } }>({
      method: 'delete',
      path: '/apps/:appId/navigators/:id',
      summary: 'Delete a navigator that has no modules and no functions',
      tags,
      request: { params: appAndId },
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such navigator' }, 409: { description: 'It still has modules or functions' } },
      async handler(ctx) {
        await change(ctx, ctx.params.appId, { type: 'DeleteNavigator', navigatorId: ctx.params.id });
      },
    }),
    defineRoute<{ params: { appId: string; id: string } }>({
      method: 'get',
      path: '/apps/:appId/navigators/:id/functions',
      summary: "List a module's functions",
      tags,
      request: { params: appAndId },
      responses: { 200: { description: 'Ordered by index', schema: { type: 'array', items: functionSchema } } },
      handler: async (ctx) => (await functionsOfNavigator(knex, ctx.params.appId, ctx.params.id)).map((f) => functionJson(f)),
    }),
    defineRoute<{ params: { appId: string }; body: FunctionBody }>({
      method: 'post',
      path: '/apps/:appId/functions',
      summary: 'Create a function of a module',
      tags,
      request: { params: appParams, body: functionBody },
      responses: { 201: { description: 'Created', schema: created }, 404: { description: 'No such application' }, 422: { description: 'Invalid, or navId is not a module' } },
      async handler(ctx) {
        const id = newPermissionId();
        await change(ctx, ctx.params.appId, { type: 'CreateFunction', functionId: id, fields: functionFields(ctx.request.body) });
        ctx.status = 201;
        return { id };
      },
    }),
    defineRoute<{ params: { appId: string; id: string }; body: FunctionBody }>({
      method: 'put',
      path: '/apps/:appId/functions/:id',
      summary: 'Replace a function',
      tags,
      request: { params: appAndId, body: functionBody },
      responses: { 204: { description: 'Changed' }, 404: { description: 'No such function' } },
      async handler(ctx) {
        await change(ctx, ctx.params.appId, { type: 'UpdateFunction', functionId: ctx.params.id, fields: functionFields(ctx.request.body) });
      },
    }),
    defineRoute<{ params: { appId: string; id: string } }>({
      method: 'delete',
      path: '/apps/:appId/functions/:id',
      summary: 'Delete a function, and every permit on it',
      tags,
      request: { params: appAndId },
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such function' } },
      async handler(ctx) {
        await change(ctx, ctx.params.appId, { type: 'DeleteFunction', functionId: ctx.params.id });
      },
    }),
    defineRoute<{ params: { appId: string } }>({
      method: 'get',
      path: '/apps/:appId/roles',
      summary: "List an application's roles with their member counts",
      tags,
      request: { params: appParams },
      responses: { 200: { description: 'Ordered by name', schema: { type: 'array', items: roleSchema } } },
      handler: async (ctx) =>
        (await rolesOfApp(knex, ctx.params.appId)).map((r) => ({ id: r.id, appId: r.app_id, name: r.name, remark: r.remark, members: r.members, createdAt: r.created_at })),
    }),
    defineRoute<{ params: { appId: string }; body: RoleFields }>({
      method: 'post',
      path: '/apps/:appId/roles',
      summary: 'Create a role (names are unique within the application)',
      tags,
      request: { params: appParams, body: roleBody },
      responses: { 201: { description: 'Created', schema: created }, 404: { description: 'No such application' }, 409: { description: 'The name is taken' } },
      async handler(ctx) {
        const id = newPermissionId();
        await change(ctx, ctx.params.appId, { type: 'CreateRole', roleId: id, fields: { name: ctx.request.body.name, remark: ctx.request.body.remark ?? null } });
        ctx.status = 201;
        return { id };
      },
    }),
    defineRoute<{ params: { appId: string; id: string }; body: RoleFields }>({
      method: 'put',
      path: '/apps/:appId/roles/:id',
      summary: 'Rename a role or change its remark',
      tags,
      request: { params: appAndId, body: roleBody },
      responses: { 204: { description: 'Changed' }, 404: { description: 'No such role' }, 409: { description: 'The name is taken' } },
      async handler(ctx) {
        await change(ctx, ctx.params.appId, { type: 'UpdateRole', roleId: ctx.params.id, fields: { name: ctx.request.body.name, remark: ctx.request.body.remark ?? null } });
      },
    }),
    defineRoute<{ params: { appId: string; id: string } }>({
      method: 'delete',
      path: '/apps/:appId/roles/:id',
      summary: 'Delete a role, its permits and its memberships',
      tags,
      request: { params: appAndId },
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such role' } },
      async handler(ctx) {
        await change(ctx, ctx.params.appId, { type: 'DeleteRole', roleId: ctx.params.id });
      },
    }),
    defineRoute<{ params: { appId: string; id: string } }>({
      method: 'get',
      path: '/apps/:appId/roles/:id/permits',
      summary: "A role's permits",
      tags,
      request: { params: appAndId },
      responses: {
        200: {
          description: '1 allows, 0 denies',
          schema: { type: 'array', items: { type: 'object', properties: { functionId: { type: 'string' }, permit: { enum: [0, 1] } } } },
        },
      },
      handler: (ctx) => permitsOfRole(knex, ctx.params.id),
    }),
    defineRoute<{ params: { appId: string; id: string }; body: { permits: Permit[] } }>({
      method: 'put',
      path: '/apps/:appId/roles/:id/permits',
      summary: "Set a role's permits (the whole list: functions left out lose their permit)",
      description: 'permit 1 grants the function, 0 denies it. A user holding several roles is denied a function when any of them denies it.',
      tags,
      request: {
        params: appAndId,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['permits'],
          properties: {
            permits: {
              type: 'array',
              maxItems: 5000,
              items: { type: 'object', additionalProperties: false, required: ['functionId', 'permit'], properties: { functionId: id32, permit: { enum: [0, 1] } } },
            },
          },
        },
      },
      responses: { 204: { description: 'Set' }, 404: { description: 'No such role' }, 422: { description: 'A function of another application, or listed twice' } },
      async handler(ctx) {
        await change(ctx, ctx.params.appId, { type: 'SetRolePermits', roleId: ctx.params.id, permits: ctx.request.body.permits });
      },
    }),
    defineRoute<{ params: { appId: string; userId: string } }>({
      method: 'get',
      path: '/apps/:appId/users/:userId/roles',
      summary: "A user's roles in an application",
      tags,
      request: { params: { type: 'object', required: ['appId', 'userId'], properties: { appId: id32, userId: id32 } } },
      responses: { 200: { description: 'Role ids', schema: { type: 'object', properties: { roleIds: { type: 'array', items: { type: 'string' } } } } } },
      handler: async (ctx) => ({ roleIds: await rolesOfUser(knex, ctx.params.appId, ctx.params.userId) }),
    }),
    defineRoute<{ params: { appId: string; userId: string }; body: { roleIds: string[] } }>({
      method: 'put',
      path: '/apps/:appId/users/:userId/roles',
      summary: "Set a user's roles in an application (the whole list)",
      tags,
      request: {
        params: { type: 'object', required: ['appId', 'userId'], properties: { appId: id32, userId: id32 } },
        body: { type: 'object', additionalProperties: false, required: ['roleIds'], properties: { roleIds: { type: 'array', maxItems: 500, items: id32 } } },
      },
      responses: { 204: { description: 'Set' }, 404: { description: 'No such application or user' }, 422: { description: 'A role of another application' } },
      async handler(ctx) {
        const user = await deps.store.readStream(userStream(ctx.params.userId), { maxCount: 1 });
        if (user.length === 0) throw new DomainError('not_found', `no user ${ctx.params.userId}`);
        await change(ctx, ctx.params.appId, { type: 'SetUserRoles', userId: ctx.params.userId, roleIds: ctx.request.body.roleIds });
      },
    }),
  ];
}
