import { randomBytes } from 'node:crypto';
import { loadApp } from '../../commands/applications/handler';
import type { Dependencies } from '../../runtime/dependencies';
import { defineRoute, type Route } from '../route';
import { insightPrincipal } from './access-token';

/**
 * The one entry of every tenant list: "the tenant the account belongs to". A user here holds at
 * most one tenant, set on the user, so the picker has nothing to choose; sign-in reads this id as
 * no tenant named (see token-routes).
 */
export const OWN_TENANT = { id: 'own-tenant', code: null, name: '账号所属租户', remark: null } as const;

/** How long a submit token stays the same for one user and key, as the original kept it. */
const SUBMIT_TOKEN_SECONDS = 3600;
const submitTokenKey = (userId: string, key: string) => `insight:submit:${userId}:${key}`;

const lookUpMember = {
  type: 'object',
  required: ['id', 'code', 'name', 'remark'],
  properties: { id: { type: 'string' }, code: { type: ['string', 'null'] }, name: { type: 'string' }, remark: { type: ['string', 'null'] } },
} as const;

/**
 * Two calls of the later (2020+) Insight API that the desktop client (xuanbg/Utility) makes beside
 * the seed's: the sign-in dialog's tenant picker and BaseDataModel's submit token.
 */
export function laterApiRoutes(deps: Dependencies): Route[] {
  const tenants = defineRoute<{ params: { appId: string }; query: { account: string } }>({
    method: 'get',
    path: '/:appId/tenants',
    summary: '获取用户可选租户: the tenants the sign-in dialog offers',
    description:
      'Asked before any password is typed, so the answer never depends on the account: for an application that exists, every account, ' +
      `known or not, gets the one entry {id: "${OWN_TENANT.id}", name: "${OWN_TENANT.name}"}, and POST tokens with that tenantId signs in ` +
      'to the tenant the user holds. An unknown application gets [] (the dialog then says the user cannot sign in to it).',
    tags: ['tokens'],
    security: 'none',
    request: {
      params: { type: 'object', required: ['appId'], properties: { appId: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' } } },
      query: { type: 'object', required: ['account'], properties: { account: { type: 'string', minLength: 1, maxLength: 128 } } },
    },
    responses: { 200: { description: 'A LookUpMember list', schema: { type: 'array', items: lookUpMember } } },
    async handler(ctx) {
      const app = await loadApp(deps.store, ctx.params.appId.toLowerCase());
      return app.exists ? [{ ...OWN_TENANT }] : [];
    },
  });

  const submitToken = defineRoute<{ query: { key: string } }>({
    method: 'get',
    path: '/tokens',
    summary: '获取提交数据用临时Token: one token per user and key, the same for an hour',
    description:
      'For a signed-in caller only (the key, MD5 of userId:method:url, names one of its own forms). The token is random and kept per ' +
      'user and key; another user asking with the same key gets another token. This service checks no submit token itself.',
    tags: ['tokens'],
    request: { query: { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1, maxLength: 128 } } } },
    responses: { 200: { description: 'The token (32 hex)', schema: { type: 'string', pattern: '^[0-9a-f]{32}$' } } },
    async handler(ctx) {
      const redisKey = submitTokenKey(insightPrincipal(ctx).userId, ctx.state.query.key);
      const fresh = randomBytes(16).toString('hex');
      if ((await deps.redis.set(redisKey, fresh, 'EX', SUBMIT_TOKEN_SECONDS, 'NX')) === 'OK') return fresh;
      return (await deps.redis.get(redisKey)) ?? fresh;
    },
  });

  return [tenants, submitToken];
}
