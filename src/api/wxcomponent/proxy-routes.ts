import { DomainError } from '../../commands/domain-error';
import { readSettings, setProxyConfig } from '../../commands/wxcomponent/settings';
import type { Dependencies } from '../../runtime/dependencies';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type Route } from '../route';
import { wxAdmin } from './session';

const configSchema = {
  type: 'object',
  required: ['open', 'port', 'url', 'forwarding'],
  properties: {
    open: { type: 'boolean', description: 'Always false: this service passes nothing through' },
    port: { type: 'integer', description: 'The port last saved' },
    url: { type: 'string', description: 'The local URL that port names' },
    forwarding: { type: 'boolean', description: 'Always false' },
  },
} as const;

/** What the settings page shows as 开启 or 关闭: the truth, which is 关闭 whatever was saved. */
const shown = (c: { port: number }) => ({ open: false, port: c.port, url: `http://127.0.0.1:${c.port}`, forwarding: false });

/**
 * Said to an admin who presses 开启. The page shows `data` of a 1002 answer as its toast and keeps
 * showing 关闭, as it does for any refusal.
 */
const NOT_FORWARDING = '出于安全考虑，本服务不提供 proxy 透传，无法开启：请在服务前的网关上为业务服务配置路由';

/**
 * The proxy settings page (`/admin/proxy`). The original passed every request no route answered to
 * `127.0.0.1:<port>`, to anyone, signed in or not; this service never does (an open relay from the
 * internet into its host). The port can still be saved and is shown back; turning the pass-through
 * on is refused in words the page shows, and the page always reads it as off.
 */
export function proxyRoutes(deps: Dependencies): Route[] {
  const read = defineRoute({
    method: 'get',
    path: '/admin/proxy',
    summary: 'The pass-through setting: always off here, and the port last saved',
    tags: ['wxcomponent settings'],
    responses: { 200: { description: 'The setting', schema: configSchema } },
    handler: async () => shown((await readSettings(deps.store)).proxy),
  });

  const write = defineRoute<{ body: { open?: boolean; port?: number | null } }>({
    method: 'post',
    path: '/admin/proxy',
    summary: 'Save the pass-through port; turning it on is refused',
    description:
      'An absent field is false/0, as the original read it; a port that is not a whole number 0..65535 is refused. ' +
      '`open: true` answers 1002 with the reason in `data` (the page toasts it) and records nothing.',
    tags: ['wxcomponent settings'],
    request: {
      body: {
        type: 'object',
        properties: {
          open: { type: 'boolean', example: false, description: 'true is refused (1002): nothing is passed through here' },
          // The page sends `+input`, which is NaN (null in JSON) for a blank field; the original read that as 0.
          port: { type: ['integer', 'null'], minimum: 0, maximum: 65535 },
        },
      },
    },
    responses: { 200: { description: 'Recorded', schema: configSchema } },
    async handler(ctx) {
      const admin = wxAdmin(ctx);
      if (ctx.request.body.open === true) throw new DomainError('forbidden', NOT_FORWARDING, { wxCode: 1002 });
      const config = { open: false, port: ctx.request.body.port ?? 0 };
      await setProxyConfig(deps.store, config, requestMetadata(ctx, { kind: 'admin', id: admin.userId, name: admin.account }));
      return shown(config);
    },
  });

  return [read, write];
}
