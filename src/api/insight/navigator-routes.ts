import { DomainError } from '../../commands/domain-error';
import { functionsWithPermit, permittedNavigators, permissionNavigatorExists } from '../../projections/permissions/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { defineRoute, type Route } from '../route';
import { insightPrincipal } from './access-token';
import { functionJson, functionSchema, navigatorJson, navigatorSchema } from './permission-json';

/** The token's application: its navigators and a module's functions, as the token's user is permitted them. */
export function navigatorRoutes(deps: Dependencies): Route[] {
  const { knex } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/navigators',
      summary: '获取模块导航: modules of the token\'s application with at least one permitted function, plus their groups',
      tags: ['insight permissions'],
      responses: { 200: { description: 'Ordered by parent, then index', schema: { type: 'array', items: navigatorSchema } } },
      async handler(ctx) {
        const { appId, userId } = insightPrincipal(ctx);
        return (await permittedNavigators(knex, appId, userId)).map(navigatorJson);
      },
    }),
    defineRoute<{ params: { id: string } }>({
      method: 'get',
      path: '/navigators/:id/functions',
      summary: '获取模块功能: a module\'s functions with the user\'s permit (true, false = denied by a role, null = never granted)',
      tags: ['insight permissions'],
      request: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{32}$' } } } },
      responses: { 200: { description: 'Ordered by index', schema: { type: 'array', items: functionSchema } } },
      async handler(ctx) {
        const { appId, userId } = insightPrincipal(ctx);
        const rows = await functionsWithPermit(knex, appId, ctx.params.id, userId);
        if (rows.length === 0) {
          if (!(await permissionNavigatorExists(knex, appId, ctx.params.id))) throw new DomainError('not_found', '模块不存在', { insightCode: 400 });
        }
        return rows.map((f) => functionJson(f, f.permit));
      },
    }),
  ];
}
