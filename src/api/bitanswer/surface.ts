import { verifyBitkey } from '../../commands/bitkeys/handler';
import { DomainError } from '../../commands/domain-error';
import type { Dependencies } from '../../runtime/dependencies';
import { bitanswerEnvelope } from '../envelopes/bitanswer';
import type { Surface } from '../surface';
import { logRoutes } from './logs-routes';

/** The BitAnswer back office (`/bitanswer/api`): `{status, data}` envelope, `bitkey` header, keys made with POST /v1/bitkeys. */
export function bitanswerSurface(deps: Dependencies): Surface {
  return {
    name: 'bitanswer',
    readModels: ['licenses'],
    group: 'BitAnswer 授权日志 · License back office (/bitanswer/api)',
    prefix: '/bitanswer/api',
    description: 'BitAnswer license back office: serial number session logs.',
    envelope: bitanswerEnvelope,
    securitySchemes: {
      bitkey: {
        openapi: { type: 'apiKey', in: 'header', name: 'bitkey', description: 'From POST /v1/bitkeys' },
        async authenticate(ctx) {
          const presented = ctx.get('bitkey');
          if (!presented) throw new DomainError('unauthenticated', 'the bitkey header is required');
          if (presented.length > 256) throw new DomainError('unauthenticated', 'the bitkey is not valid');
          ctx.state.bitkeyHash = await verifyBitkey(deps, presented);
        },
      },
    },
    defaultSecurity: 'bitkey',
    routes: logRoutes(deps),
  };
}
