import { readSettings, setProxyConfig } from '../../commands/wxcomponent/settings';
import type { Dependencies } from '../../runtime/dependencies';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type Route } from '../route';
import { wxAdmin } from './session';

const configSchema = {
  type: 'object',
  required: ['open', 'port', 'url'],
  properties: { open: { type: 'boolean' }, port: { type: 'integer' }, url: { type: 'string' } },
} as const;

const shown = (c: { open: boolean; port: number }) => ({ open: c.open, port: c.port, url: `http://127.0.0.1:${c.port}` });

/**
 * The proxy settings page (`/admin/proxy`): whether requests no route answers are passed to a local
 * service, and on which port. The setting is recorded and shown back; this service does not pass
 * such requests on (see the compatibility notes).
 */
export function proxyRoutes(deps: Dependencies): Route[] {
  const read = defineRoute({
    method: 'get',
    path: '/admin/proxy',
    summary: 'The pass-through setting: open, port and the local URL it names',
    tags: ['wxcomponent settings'],
    responses: { 200: { description: 'The setting', schema: configSchema } },
    handler: async () => shown((await readSettings(deps.store)).proxy),
  });

  const write = defineRoute<{ body: { open?: boolean; port?: number | null } }>({
    method: 'post',
    path: '/admin/proxy',
    summary: 'Change the pass-through setting',
    description: 'An absent field is false/0, as the original read it; a port that is not a whole number 0..65535 is refused.',
    tags: ['wxcomponent settings'],
    request: {
      body: {
        type: 'object',
        properties: {
          open: { type: 'boolean' },
          // The page sends `+input`, which is NaN (null in JSON) for a blank field; the original read that as 0.
          port: { type: ['integer', 'null'], minimum: 0, maximum: 65535 },
        },
      },
    },
    responses: { 200: { description: 'Recorded', schema: configSchema } },
    async handler(ctx) {
      const admin = wxAdmin(ctx);
      const config = { open: ctx.request.body.open ?? false, port: ctx.request.body.port ?? 0 };
      await setProxyConfig(deps.store, config, requestMetadata(ctx, { kind: 'admin', id: admin.userId, name: admin.account }));
      return shown(config);
    },
  });

  return [read, write];
}
