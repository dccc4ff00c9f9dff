import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { JwtError, signJwt, verifyJwt, type JwtFailure } from '../../src/secrets/jwt';

const secret = 'a-secret-of-thirty-two-characters!';
const at = 1767225600;
const claims = { sub: '0123456789abcdef0123456789abcdef', iss: 'laravel', iat: at, nbf: at, exp: at + 3600, jti: 'fedcba9876543210fedcba9876543210' };
// Issued by the hand-written HS256 signer this module replaced (same secret and claims).
const issuedBefore =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZiIsImlzcyI6ImxhcmF2ZWwiLCJpYXQiOjE3NjcyMjU2MDAsIm5iZiI6MTc2NzIyNTYwMCwiZXhwIjoxNzY3MjI5MjAwLCJqdGkiOiJmZWRjYmE5ODc2NTQzMjEwZmVkY2JhOTg3NjU0MzIxMCJ9.typgzqkRN_0SW3GJaaOqoQTU_vLZ25Cqvi4PqYtpZdc';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hs256 = (header: unknown, payload: unknown) => signed(`${b64(header)}.${b64(payload)}`);

const signed = (body: string) => `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;

async function refusal(token: string, nowSeconds = at + 60, issuer = 'laravel'): Promise<JwtFailure> {
  try {
    await verifyJwt(token, secret, { issuer, nowSeconds });
  } catch (err) {
    assert.ok(err instanceof JwtError, String(err));
    return err.reason;
  }
  assert.fail('the token was accepted');
}

describe('HS256 JWTs (signed by jose, verified by our own HMAC check)', () => {
  it('verifies a token issued before the switch, and signs the same claims to the same token', async () => {
    assert.deepEqual(await verifyJwt(issuedBefore, secret, { issuer: 'laravel', nowSeconds: at + 60 }), claims);
    assert.equal(await signJwt(claims, secret), issuedBefore);
  });

  it('says why a token is refused: signature, expiry (5 s leeway), not-before, issuer, shape', async () => {
    assert.equal(await refusal(await signJwt(claims, 'another-secret-entirely')), 'bad_signature');
    assert.equal((await verifyJwt(issuedBefore, secret, { issuer: 'laravel', nowSeconds: at + 3604 })).sub, claims.sub);
    assert.equal(await refusal(issuedBefore, at + 3605), 'expired');
    assert.equal(await refusal(issuedBefore, at - 6), 'not_yet_valid');
    assert.equal(await refusal(issuedBefore, at + 60, 'wxcomponent'), 'wrong_issuer');
    assert.equal(await refusal(hs256({ alg: 'HS256', typ: 'JWT' }, { ...claims, iss: undefined })), 'wrong_issuer');
    for (const missing of ['sub', 'iat', 'exp'] as const) {
      assert.equal(await refusal(hs256({ alg: 'HS256', typ: 'JWT' }, { ...claims, [missing]: undefined })), 'malformed', missing);
    }
    assert.equal(await refusal(hs256({ alg: 'HS256', typ: 'JWT' }, { ...claims, sub: 7 })), 'malformed');
    assert.equal(await refusal(hs256({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: 'never' })), 'malformed');
  });

  it('refuses other algorithms, alg none, foreign typ and crit headers, and garbage as malformed', async () => {
    const [, payload] = issuedBefore.split('.');
    const cases = {
      none: `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      hs512: hs256({ alg: 'HS512', typ: 'JWT' }, claims),
      rs256: hs256({ alg: 'RS256', typ: 'JWT' }, claims),
      typ: hs256({ alg: 'HS256', typ: 'at+jwt' }, claims),
      crit: hs256({ alg: 'HS256', crit: ['exp'] }, claims),
      truncated: issuedBefore.split('.').slice(0, 2).join('.'),
      garbage: 'not-a-jwt',
      json: signed(`${b64({ alg: 'HS256' })}.${Buffer.from('not json').toString('base64url')}`),
      huge: `${'a'.repeat(9000)}.b.c`,
    };
    for (const [name, token] of Object.entries(cases)) assert.equal(await refusal(token), 'malformed', name);
    // A header without typ is still a JWT.
    assert.equal((await verifyJwt(hs256({ alg: 'HS256' }, claims), secret, { issuer: 'laravel', nowSeconds: at })).sub, claims.sub);
  });
});
