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
    waitsForReadModels: false,
    summary: 'Sign in as an administrator',
    description:
      'Failures are counted per client address: five wrong passwords for one account from one address lock that account for ten minutes from that address only (429 with Retry-After); twenty failures from one address, across accounts, refuse every sign-in from it for ten minutes (429). An unknown account is answered, counted and locked exactly like a known one. Every attempt is an event; a right password of a user who is not an administrator is recorded as a refusal (403).',
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
      429: { description: 'This account is locked for this address (account_locked), or this address is refused (rate_limited); Retry-After says for how many seconds' },
    },
    async handler(ctx) {
      const { account, password } = ctx.request.body;
      const metadata = requestMetadata(ctx, { kind: 'anonymous', name: account });
      const { userId, state } = await signInWithPassword(deps, { login: account, passwordMd5: md5Hex(password), surface: 'v1', requiredRoles: ['admin'] }, metadata);
      const { token, expiresIn } = await issueAdminToken(deps.jwtSecret, { userId, account: state.profile?.account ?? account });
      return { token, tokenType: 'Bearer', expiresIn };
    },
  });
}
