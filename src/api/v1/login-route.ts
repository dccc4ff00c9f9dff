import { DomainError } from '../../commands/domain-error';
import { signInWithPassword, type IdentityDeps } from '../../commands/identity/handler';
import { md5Hex } from '../../secrets/digest';
import { requestMetadata } from '../request-metadata';
import { defineRoute } from '../route';
import { issueAdminToken } from './admin-session';

interface LoginBody {
  account: string;
  password: string;
}

export function loginRoute(deps: IdentityDeps & { jwtSecret: string }) {
  return defineRoute<{ body: LoginBody }>({
    method: 'post',
    path: '/login',
    summary: 'Sign in as an administrator',
    description: 'Five wrong passwords lock the account for ten minutes; every attempt is recorded as an event.',
    tags: ['administrators'],
    security: 'none',
    request: {
      body: {
        type: 'object',
        required: ['account', 'password'],
        additionalProperties: false,
        properties: { account: { type: 'string', minLength: 1, maxLength: 128 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
      },
    },
    responses: {
      200: {
        description: 'Signed in',
        schema: {
          type: 'object',
          required: ['token', 'tokenType', 'expiresIn'],
          properties: { token: { type: 'string' }, tokenType: { const: 'Bearer' }, expiresIn: { type: 'integer' } },
        },
      },
      401: { description: 'Wrong account or password' },
      403: { description: 'Not an administrator, or disabled' },
      429: { description: 'Locked after too many failures' },
    },
    async handler(ctx) {
      const { account, password } = ctx.request.body;
      const metadata = requestMetadata(ctx, { kind: 'anonymous', name: account });
      const { userId, state } = await signInWithPassword(deps, { login: account, passwordMd5: md5Hex(password), surface: 'v1' }, metadata);
      if (!state.roles.includes('admin')) throw new DomainError('forbidden', 'administrators only');
      const { token, expiresIn } = issueAdminToken(deps.jwtSecret, { userId, account: state.profile?.account ?? account });
      return { token, tokenType: 'Bearer', expiresIn };
    },
  });
}
