import { DomainError } from '../../commands/domain-error';
import { passGate, type GateDeps } from '../../gateway/gate';
import { defineRoute } from '../route';
import { canonicalPath } from '../request-path';

/**
 * For nginx `auth_request` (or any gateway): the original request's method and URI arrive in
 * headers, the same live configs are applied to them, and the answer is a bare status nginx
 * understands, with the login info in a header to forward upstream.
 */
export function gatewayRoute(deps: GateDeps) {
  return defineRoute({
    method: 'get',
    path: '/gateway/auth',
    // Kept from when the check was a route of the Insight surface.
    operationId: 'insight.getGatewayAuth',
    summary: 'Gateway check of an original request (nginx auth_request)',
    description: [
      'Applies the interface config of `X-Original-Method` + the canonical path of `X-Original-URI` (dot segments resolved,',
      'repeated and trailing slashes dropped, escaped unreserved characters decoded) as the Insight surface does: rate limit',
      '(per `deviceId` from the URI query or the `deviceId` header, else the address; and per address, `X-Real-IP`, else the caller), then the token in',
      '`Authorization` when the config says verify, then its authCode against the user\'s permits. An endpoint without a config',
      'is refused (403), as the original gateway refused unknown URLs.',
      '',
      '200: allowed; `loginInfo` carries Base64 JSON `{appId, tenantId, deptId, userId, userName}` when a token was checked.',
      '401: no token, or an invalid or expired one. 403: not permitted, or no config. 429: too frequent. 503: the check itself failed (fail closed).',
      'Every answer also carries `X-Auth-Code` (the Insight result code) and the Insight envelope as its body.',
      '',
      'nginx: `location = /_auth { internal; proxy_pass http://authledger/base/auth/v1.0/gateway/auth;',
      'proxy_pass_request_body off; proxy_set_header Content-Length ""; proxy_set_header X-Original-Method $request_method;',
      'proxy_set_header X-Original-URI $request_uri; proxy_set_header X-Real-IP $remote_addr; }` and',
      '`auth_request_set $login_info $upstream_http_logininfo; proxy_set_header loginInfo $login_info;`.',
    ].join('\n'),
    tags: ['insight gateway'],
    security: 'none',
    responses: {
      200: { description: 'Allowed (see the loginInfo header)' },
      401: { description: 'Token missing, invalid or expired' },
      403: { description: 'Not permitted, or no config for the endpoint' },
      429: { description: 'Too frequent' },
      503: { description: 'The check could not be made (Redis or the event store unreachable): deny' },
    },
    async handler(ctx) {
      const method = ctx.get('x-original-method');
      const uri = ctx.get('x-original-uri');
      if (!method || !uri || !uri.startsWith('/')) {
        throw new DomainError('validation_failed', '无效参数: X-Original-Method and X-Original-URI (a path) are required', { insightCode: 430 });
      }
      const original = new URL(uri, 'http://gateway.invalid');
      const address = ctx.get('x-real-ip') || ctx.state.clientIp;
      const upper = method.toUpperCase();
      // Refusals and failures below are answered by the gateway envelope: 401/403/429/503, never 200.
      const { config, principal } = await passGate(deps, {
        method: upper === 'HEAD' ? 'GET' : upper,
        // The same canonical form our own router decides on (the URL parser alone keeps `//` and a trailing slash).
        path: canonicalPath(uri.replace(/[?#][\s\S]*$/, '')),
        authorization: ctx.get('authorization') || undefined,
        device: async () => {
          const device = original.searchParams.get('deviceId') || ctx.get('deviceid') || ctx.get('x-device-id');
          return device ? `device:${device}` : `ip:${address || 'unknown'}`;
        },
        address: address || null,
      });
      if (!config) throw new DomainError('forbidden', '请求的URL不存在', { insightCode: 400 });
      if (principal) {
        const info = { appId: principal.appId, tenantId: principal.tenantId, deptId: null, userId: principal.userId, userName: principal.userName };
        ctx.set('loginInfo', Buffer.from(JSON.stringify(info), 'utf8').toString('base64'));
      }
      return null;
    },
  });
}
