import type { RefusalReason } from './refusals';

/**
 * Stable machine codes for everything a command or query can refuse. Each API surface maps them to
 * its own envelope and numbers (Insight 421/430/…, Laravel HTTP 401/403, wxcomponent 1000–1011,
 * BitAnswer status, problem+json for /v1).
 */
export type DomainErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'unauthenticated'
  | 'token_expired'
  | 'forbidden'
  | 'conflict'
  | 'already_exists'
  | 'invalid_credentials'
  | 'account_locked'
  | 'account_disabled'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'upstream_failed'
  | 'unavailable'
  | 'internal';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Safe to show to the caller: never a secret, never SQL, never a stack. */
    readonly details?: Record<string, unknown>,
    /** Which specific refusal this is (see refusals.ts): what surfaces put their own codes and words on. */
    readonly reason?: RefusalReason,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError;
