import { randomBytes } from 'node:crypto';
import { DomainError } from '../domain-error';
import { newTimeOrderedHexId } from '../time-ordered-ids';
import { refusal } from '../refusals';

/**
 * An Insight token as clients hold it: Base64 of JSON `{id, userId, userName, secret}`. The access
 * and the refresh token share the id and differ in the secret; only SHA-256 of a secret is kept.
 */
export interface TokenCredential {
  id: string;
  userId: string;
  userName: string | null;
  secret: string;
}

const HEX32 = /^[0-9a-f]{32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Longer than any token we issue (a long userName included): anything bigger is refused unread. */
const MAX_LENGTH = 2048;

export const newSecret = (): string => randomBytes(16).toString('hex');
/** Not a secret (the secret is): time-ordered, so new token streams land at the index's right edge. */
export const newTokenId = (): string => newTimeOrderedHexId();

export function encodeCredential(credential: TokenCredential): string {
  const { id, userId, userName, secret } = credential;
  return Buffer.from(JSON.stringify({ id, userId, userName, secret }), 'utf8').toString('base64');
}

export const invalidCredential = (): DomainError => refusal('credential_invalid');

/** Parses the Authorization header; anything that is not a well-formed token is 421, never a crash. */
export function decodeCredential(header: string | undefined): TokenCredential {
  const raw = header?.trim() ?? '';
  if (!raw || raw.length > MAX_LENGTH || !BASE64.test(raw)) throw invalidCredential();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw invalidCredential();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidCredential();
  const { id, userId, userName, secret } = parsed as Record<string, unknown>;
  if (typeof id !== 'string' || !HEX32.test(id)) throw invalidCredential();
  if (typeof userId !== 'string' || !HEX32.test(userId)) throw invalidCredential();
  if (typeof secret !== 'string' || !HEX32.test(secret)) throw invalidCredential();
  if (userName !== null && userName !== undefined && typeof userName !== 'string') throw invalidCredential();
  return { id, userId, userName: typeof userName === 'string' ? userName : null, secret };
}
