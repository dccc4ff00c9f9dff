import { pageOfWxMiniPrograms } from '../../projections/wxcomponent/queries';
import { DomainError } from '../../commands/domain-error';
import { latestTicketReader } from '../../commands/wxcomponent/receive';
import { authorizerAccessToken, componentAccessToken } from '../../commands/wxcomponent/tokens';
import type { Dependencies } from '../../runtime/dependencies';
import { callWechat, callWechatBinary, camelKeys, uploadWechatMedia, WechatApiError, type WechatCall } from '../../wechat/client';
import { defineRoute, type JsonSchema, type Route } from '../route';
import { multipartFile, readBytes } from '../multipart';
import { laxLimit, laxOffset, pageWindow } from './lax-query';
import { auditInfoOf, commitBody, submitAuditBody, type AuditInfo, type SubmitAuditBody } from './weapp-bodies';

const APPID = { type: 'string', pattern: '^wx[0-9a-zA-Z]{14,30}$' } as const;
const appidQuery = (extra: Record<string, JsonSchema> = {}, required: string[] = []): JsonSchema => ({
  type: 'object',
  required: ['appid', ...required],
  additionalProperties: false,
  properties: { appid: APPID, ...extra },
});
const NO_AUDIT = 85058;
/** The original refused more than 20 (each row costs two WeChat calls); larger asks are served 20. */
const MAX_WEAPP_PAGE = 20;

/**
 * The original's 14 wrappers of the mini-program management APIs (`/wxa/*`), called for an
 * authorised mini program with its authorizer access token (the template list with the
 * component token). WeChat's refusals answer 1002 with WeChat's errcode in the message.
 */
export function weappRoutes(deps: Dependencies): Route[] {
  const tokenDeps = { config: deps.config, redis: deps.redis, store: deps.store };
  const ticket = latestTicketReader(deps);
  const base = deps.config.wechatApiBase;
  const asAuthorizer = async (appid: string, call: WechatCall) => {
    const { token } = await authorizerAccessToken(tokenDeps, appid, ticket);
    return { ...call, query: { ...call.query, access_token: token.token } };
  };
  const wx = async <T = Record<string, unknown>>(appid: string, call: WechatCall): Promise<T> => {
    try {
      return await callWechat<T>(base, await asAuthorizer(appid, call));
    } catch (err) {
      throw upstream(err);
    }
  };
  const qrcode = async (appid: string, call: WechatCall): Promise<string> => {
    try {
      return (await callWechatBinary(base, await asAuthorizer(appid, call))).bytes.toString('base64');
    } catch (err) {
      throw upstream(err);
    }
  };
  const versionInfo = async (appid: string) => {
    const { releaseInfo, expInfo } = camelKeys(await wx(appid, { path: 'wxa/getversioninfo', body: {} })) as { releaseInfo?: object; expInfo?: object };
    return { ...(releaseInfo ? { releaseInfo } : {}), ...(expInfo ? { expInfo } : {}) };
  };
  const latestAudit = async (appid: string): Promise<AuditInfo | undefined> => {
    try {
      return auditInfoOf(await wx(appid, { path: 'wxa/get_latest_auditstatus' }));
    } catch (err) {
      if (err instanceof DomainError && err.details?.errcode === NO_AUDIT) return undefined;
      throw err;
    }
  };

  const route = (method: 'get' | 'post', path: string, summary: string, query: JsonSchema, handler: (ctx: { state: { query: Record<string, unknown> }; request: { body: unknown } }) => Promise<unknown>, body?: JsonSchema): Route =>
    defineRoute({
      method,
      path: `/admin/${path}`,
      summary,
      tags: ['wxcomponent mini programs'],
      request: { query, ...(body ? { body } : {}) },
      responses: { 200: { description: 'WeChat answered', schema: { type: 'object' } } },
      handler: (ctx) => handler(ctx as never),
    });
  const appidOf = (ctx: { state: { query: Record<string, unknown> } }) => String(ctx.state.query.appid);

  const devWeappList = defineRoute<{ query: { offset: number; limit: number; appid?: string } }>({
    method: 'get',
    path: '/admin/dev-weapp-list',
    summary: 'Authorised mini programs with their service status and versions',
    tags: ['wxcomponent mini programs'],
    request: {
      query: {
        type: 'object',
        properties: {
          offset: laxOffset,
          limit: laxLimit(MAX_WEAPP_PAGE),
          appid: { type: 'string', maxLength: 64, description: 'One mini program; empty means all' },
        },
      },
    },
    responses: { 200: { description: 'A page of mini programs', schema: { type: 'object' } } },
    async handler(ctx) {
      const { appid } = ctx.state.query;
      const window = pageWindow(ctx.state.query.offset, ctx.state.query.limit, MAX_WEAPP_PAGE);
      const { rows, total } = await pageOfWxMiniPrograms(deps.knex, { appid }, window);
      const records = await Promise.all(
        rows.map(async (r) => {
          const [status, versions] = await Promise.all([
            wx<{ status?: number }>(r.appid, { path: 'wxa/getvisitstatus', body: {} }).then((s) => s.status ?? 0).catch(() => 0),
            versionInfo(r.appid).catch(() => ({})),
          ]);
          return {
            appid: r.appid,
            nickName: r.nick_name,
            funcInfo: r.func_info.split('|').filter(Boolean).map(Number),
            qrCodeUrl: r.qrcode_url,
            serviceStatus: status,
            ...versions,
          };
        }),
      );
      return { total, records };
    },
  });

  const submitAudit = route('post', 'submit-audit', 'Submit the uploaded code for review (/wxa/submit_audit)', appidQuery(), async (ctx) => {
    const answer = await wx<{ auditid: number }>(appidOf(ctx), { path: 'wxa/submit_audit', body: submitAuditBody(ctx.request.body as SubmitAuditBody) });
    return { auditId: answer.auditid };
  }, {
    type: 'object',
    description: 'The query names the mini program; an `appid` in the body (the front end sends one) and other fields are ignored.',
    properties: {
      itemList: { type: 'array', maxItems: 5, items: { type: ['object', 'null'] } },
      previewInfo: { type: 'object' },
      versionDesc: { type: 'string', maxLength: 1024 },
      feedbackInfo: { type: 'string', maxLength: 1024 },
      feedbackStuff: { type: 'string', maxLength: 1024 },
      ugcDeclare: { type: 'object' },
    },
  });

  const devVersions = route('get', 'dev-versions', 'The latest review, the trial and the released version, with QR codes', appidQuery(), async (ctx) => {
    const appid = appidOf(ctx);
    const [audit, versions] = await Promise.all([latestAudit(appid), versionInfo(appid)]);
    const result: Record<string, unknown> = {};
    if (audit) result.auditInfo = audit;
    if (versions.expInfo) result.expInfo = { ...versions.expInfo, expQrCode: await qrcode(appid, { path: 'wxa/get_qrcode' }).catch(() => '') };
    if (versions.releaseInfo) result.releaseInfo = { ...versions.releaseInfo, releaseQrCode: await qrcode(appid, { path: 'wxa/getwxacodeunlimit', body: { scene: 'wxcomponent' } }).catch(() => '') };
    return result;
  });

  const templateList = route(
    'get',
    'template-list',
    'Code templates of the platform (/wxa/gettemplatelist, component token)',
    { type: 'object', additionalProperties: false, properties: { templateType: { type: 'integer', enum: [0, 1] } } },
    async (ctx) => {
      const { token } = await componentAccessToken(tokenDeps, ticket);
      const query: Record<string, string> = { access_token: token.token };
      if (ctx.state.query.templateType !== undefined) query.template_type = String(ctx.state.query.templateType);
      try {
        const answer = await callWechat<{ template_list?: unknown[] }>(base, { path: 'wxa/gettemplatelist', query });
        return { templateList: camelKeys(answer.template_list ?? []) };
      } catch (err) {
        throw upstream(err);
      }
    },
  );

  const plain = (method: 'get' | 'post', path: string, summary: string, call: (ctx: { state: { query: Record<string, unknown> }; request: { body: unknown } }) => WechatCall, query = appidQuery(), body?: JsonSchema) =>
    route(method, path, summary, query, async (ctx) => {
      await wx(appidOf(ctx), call(ctx));
      return {};
    }, body);

  const revokeAudit = plain('post', 'revoke-audit', 'Withdraw the review (/wxa/undocodeaudit)', () => ({ path: 'wxa/undocodeaudit' }));
  const speedUp = route(
    'post',
    'speed-up-audit',
    'Ask for an expedited review (/wxa/speedupaudit); without auditId, of the latest review (the front end sends none)',
    appidQuery({ auditId: { type: 'integer', minimum: 1 } }),
    async (ctx) => {
      const appid = appidOf(ctx);
      const auditid = (ctx.state.query.auditId as number | undefined) ?? (await latestAudit(appid))?.auditId;
      if (auditid === undefined) throw new DomainError('validation_failed', 'no review to speed up', { wxCode: 1008 });
      await wx(appid, { path: 'wxa/speedupaudit', body: { auditid } });
      return {};
    },
  );
  const commitCode = plain('post', 'commit-code', 'Upload code from a template (/wxa/commit)', (ctx) => ({ path: 'wxa/commit', body: commitBody(ctx.request.body as Record<string, unknown>) }), appidQuery(), {
    type: 'object',
    required: ['templateId', 'userVersion'],
    properties: { templateId: { type: ['string', 'integer'] }, extJson: { type: 'string', maxLength: 65536 }, userVersion: { type: 'string', maxLength: 64 }, userDesc: { type: 'string', maxLength: 1024 } },
  });
  const releaseCode = plain('post', 'release-code', 'Release the approved version (/wxa/release)', () => ({ path: 'wxa/release', body: {} }));
  const changeVisit = plain('post', 'change-visit-status', 'Open or close the mini program (/wxa/change_visitstatus)', (ctx) => ({ path: 'wxa/change_visitstatus', body: { action: (ctx.request.body as { action: string }).action } }), appidQuery(), {
    type: 'object',
    required: ['action'],
    properties: { action: { enum: ['open', 'close'] } },
  });
  const rollback = plain('post', 'rollback-release-version', 'Roll back to the previous release (/wxa/revertcoderelease)', () => ({ path: 'wxa/revertcoderelease' }));

  const pageList = route('get', 'page-list', 'Pages of the uploaded code (/wxa/get_page)', appidQuery(), async (ctx) => {
    const answer = await wx<{ page_list?: string[] }>(appidOf(ctx), { path: 'wxa/get_page' });
    return { pageList: answer.page_list ?? [] };
  });
  const category = route('get', 'category', 'Categories the mini program may use (/wxa/get_category)', appidQuery(), async (ctx) => {
    const answer = await wx<{ category_list?: unknown[] }>(appidOf(ctx), { path: 'wxa/get_category' });
    return { categoryList: camelKeys(answer.category_list ?? []) };
  });
  const qr = route('get', 'qrcode', 'The released version\'s code as a Base64 image (/wxa/getwxacodeunlimit)', appidQuery(), async (ctx) => ({
    releaseQrCode: await qrcode(appidOf(ctx), { path: 'wxa/getwxacodeunlimit', body: { scene: 'wxcomponent' } }),
  }));

  const uploadMedia = defineRoute<{ query: { appid: string; type: string } }>({
    method: 'post',
    path: '/admin/upload-media',
    summary: 'Upload a temporary media file for the mini program (/cgi-bin/media/upload), multipart field `media`',
    tags: ['wxcomponent mini programs'],
    request: { query: appidQuery({ type: { enum: ['image', 'voice', 'video', 'thumb'] } }, ['type']) },
    responses: { 200: { description: 'The media id', schema: { type: 'object' } } },
    async handler(ctx) {
      const file = await multipartFile(ctx.get('content-type'), await readBytes(ctx.req, deps.config.bodyLimitBytes), 'media');
      const call = await asAuthorizer(ctx.state.query.appid, { path: 'cgi-bin/media/upload', query: { type: ctx.state.query.type } });
      try {
        const answer = await uploadWechatMedia<Record<string, unknown>>(base, { ...call, ...file });
        return camelKeys({ type: answer.type, media_id: answer.media_id, created_at: answer.created_at });
      } catch (err) {
        throw upstream(err);
      }
    },
  });

  return [devWeappList, submitAudit, devVersions, templateList, revokeAudit, speedUp, commitCode, releaseCode, uploadMedia, changeVisit, rollback, pageList, category, qr];
}

/** A WeChat refusal as this surface's 1002, with WeChat's code kept for the caller. */
function upstream(err: unknown): unknown {
  if (err instanceof WechatApiError) return new DomainError('upstream_failed', `WeChat ${err.path} errcode ${err.errcode}: ${err.errmsg}`, { errcode: err.errcode });
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'TypeError')) return new DomainError('upstream_failed', 'WeChat did not answer');
  return err;
}
