import { pageOfWxProxyRules } from '../../projections/wxcomponent/queries';
import { DomainError } from '../../commands/domain-error';
import { forgetRules, postJson, targetUrl } from '../../commands/wxcomponent/forwarding';
import { addRule, deleteRule, loadRule, updateRule } from '../../commands/wxcomponent/rule-handler';
import { type RuleFields, type RuleTarget } from '../../commands/wxcomponent/rules';
import type { Dependencies } from '../../runtime/dependencies';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type Route, type RouteContext } from '../route';
import { laxLimit, laxOffset, pageWindow } from './lax-query';
import { MAX_PAGE } from './record-routes';
import { wxAdmin } from './session';

interface RuleBody {
  id?: number;
  name: string;
  type?: 1 | 2;
  infoType?: string;
  msgType?: string;
  event?: string;
  open?: boolean | number;
  data: RuleTarget;
}

const ruleProperties = {
  name: { type: 'string', minLength: 1, maxLength: 64 },
  type: { type: 'integer', enum: [1, 2], description: '1 component pushes, 2 authorizer messages; inferred from infoType when omitted' },
  infoType: { type: 'string', maxLength: 64 },
  msgType: { type: 'string', maxLength: 64 },
  event: { type: 'string', maxLength: 64 },
  open: { type: ['boolean', 'integer'], enum: [true, false, 0, 1], default: true },
  data: {
    type: 'object',
    properties: {
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      path: { type: 'string', pattern: '^/', maxLength: 512 },
      url: { type: 'string', pattern: '^https?://', maxLength: 1024, description: 'Ours: a full target URL instead of port + path' },
      async: { type: 'boolean', description: 'Ours: deliver through the queue with retries (no reply to WeChat)' },
      timeoutMs: { type: 'integer', minimum: 100, maximum: 4000, description: 'Ours: in-line deadline' },
    },
    anyOf: [{ required: ['url'] }, { required: ['port', 'path'] }],
  },
} as const;

const ruleJson = (id: number, f: RuleFields) => ({ id, name: f.name, type: f.type, infoType: f.infoType, msgType: f.msgType, event: f.event, open: f.open, data: f.data });

/**
 * The rule as stored: only the fields named here, so what else the admin front end sends along (a
 * listed row's times, the form's top-level path and port) is ignored, as the original ignored it.
 */
function fieldsOf(body: RuleBody): RuleFields {
  const infoType = body.infoType ?? '';
  if (!infoType && !body.msgType && !body.event) throw new DomainError('validation_failed', '消息推送类型为空');
  return {
    name: body.name,
    type: body.type ?? (infoType ? 1 : 2),
    infoType,
    msgType: body.msgType ?? '',
    event: body.event ?? '',
    open: body.open === undefined ? true : Boolean(body.open),
    data: { port: body.data.port ?? 0, path: body.data.path ?? '', ...(body.data.url ? { url: body.data.url } : {}), ...(body.data.async ? { async: true } : {}), ...(body.data.timeoutMs ? { timeoutMs: body.data.timeoutMs } : {}) },
  };
}

/** Callback forwarding rules: list, add (PUT), update (POST), delete (DELETE ?id=), test. */
export function ruleRoutes(deps: Dependencies): Route[] {
  const { store, redis, knex } = deps;
  // The page lists the rules again as soon as a write answers, as the original (one table)
  // allowed: the surface's read-your-writes fence holds each write until the list shows it.
  const actor = (ctx: RouteContext) => {
    const a = wxAdmin(ctx);
    return requestMetadata(ctx, { kind: 'admin', id: a.userId, name: a.account });
  };

  const list = defineRoute<{ query: { offset: number; limit: number; type?: number } }>({
    method: 'get',
    path: '/admin/callback-proxy-rule-list',
    summary: 'Forwarding rules',
    tags: ['wxcomponent forwarding'],
    request: {
      query: {
        type: 'object',
        properties: {
          offset: laxOffset,
          limit: laxLimit(MAX_PAGE),
          // The original filtered on 1 and 2 and listed every rule for any other number.
          type: { type: 'integer', minimum: -2_147_483_648, maximum: 2_147_483_647, description: '1 component events, 2 authorizer messages, anything else all rules' },
        },
      },
    },
    responses: { 200: { description: 'A page of rules', schema: { type: 'object', properties: { rules: { type: 'array' }, total: { type: 'integer' } } } } },
    async handler(ctx) {
      const { type } = ctx.state.query;
      const window = pageWindow(ctx.state.query.offset, ctx.state.query.limit, MAX_PAGE);
      // Gin bound any other type and gorm listed every rule for it.
      const { rows, total } = await pageOfWxProxyRules(knex, { type: type === 1 || type === 2 ? type : undefined }, window);
      return {
        rules: rows.map((r) => ({
          id: Number(r.id),
          name: r.name,
          type: r.type,
          infoType: r.info_type,
          msgType: r.msg_type,
          event: r.event,
          open: r.open,
          data: r.data,
          createTime: String(r.create_time).replace(/\.\d{3}Z$/, 'Z'),
          updateTime: String(r.update_time).replace(/\.\d{3}Z$/, 'Z'),
        })),
        total,
      };
    },
  });

  const add = defineRoute<{ body: RuleBody }>({
    method: 'put',
    path: '/admin/callback-proxy-rule',
    summary: 'Add a forwarding rule (1001 该事件已存在转发规则 when the event already has one)',
    tags: ['wxcomponent forwarding'],
    request: { body: { type: 'object', required: ['name', 'data'], properties: ruleProperties } },
    responses: { 200: { description: 'The rule', schema: { type: 'object' } } },
    async handler(ctx) {
      const fields = fieldsOf(ctx.request.body);
      const id = await addRule({ store, redis }, fields, actor(ctx));
      forgetRules(knex);
      return ruleJson(id, fields);
    },
  });

  const update = defineRoute<{ body: RuleBody & { id: number } }>({
    method: 'post',
    path: '/admin/callback-proxy-rule',
    summary: 'Update a forwarding rule',
    tags: ['wxcomponent forwarding'],
    request: { body: { type: 'object', required: ['id', 'name', 'data'], properties: { id: { type: 'integer', minimum: 1 }, ...ruleProperties } } },
    responses: { 200: { description: 'The rule', schema: { type: 'object' } } },
    async handler(ctx) {
      const fields = fieldsOf(ctx.request.body);
      await updateRule({ store, redis }, ctx.request.body.id, fields, actor(ctx));
      forgetRules(knex);
      return ruleJson(ctx.request.body.id, fields);
    },
  });

  const remove = defineRoute<{ query: { id: number } }>({
    method: 'delete',
    path: '/admin/callback-proxy-rule',
    summary: 'Delete a forwarding rule',
    tags: ['wxcomponent forwarding'],
    request: { query: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'integer', minimum: 1 } } } },
    responses: { 200: { description: 'Deleted' } },
    async handler(ctx) {
      await deleteRule({ store, redis }, ctx.state.query.id, actor(ctx));
      forgetRules(knex);
      return {};
    },
  });

  const test = defineRoute<{ body: { id: number } }>({
    method: 'post',
    path: '/admin/callback-test',
    summary: "Send a sample callback to an open rule's target; `data` is the target's reply text (1010 when it fails, 1008 when the rule is closed)",
    tags: ['wxcomponent forwarding'],
    request: { body: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } },
    responses: { 200: { description: "The target's reply, as text (the front end prints it)", schema: { type: 'string' } } },
    async handler(ctx) {
      const rule = await loadRule(store, ctx.request.body.id);
      if (!rule.fields || rule.deleted) throw new DomainError('not_found', '转发规则不存在');
      const f = rule.fields;
      if (!f.open) throw new DomainError('conflict', '该规则未启用或类型异常', { wxCode: 1008 });
      const now = Math.floor(Date.now() / 1000);
      const sample = f.type === 1
        ? { AppId: deps.config.wechatComponent.appId, CreateTime: now, InfoType: f.infoType, Test: true }
        : { ToUserName: 'gh_test', FromUserName: 'test_openid', CreateTime: now, MsgType: f.msgType, ...(f.event ? { Event: f.event } : {}), Test: true };
      let res: { status: number; text: string };
      try {
        res = await postJson(targetUrl({ ...f.data, path: f.data.path.replace(/\$APPID\$/g, 'wxtestappid') }), sample, 4_000);
      } catch (err) {
        const reason = `target did not answer: ${err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'unreachable'}`;
        throw new DomainError('upstream_failed', reason, { wxCode: 1010 });
      }
      if (res.status < 200 || res.status > 299) throw new DomainError('upstream_failed', `target answered HTTP ${res.status}`, { wxCode: 1010, wxData: res.text.slice(0, 4096) });
      return res.text.slice(0, 4096);
    },
  });

  return [list, add, update, remove, test];
}
