import { createHash } from 'node:crypto';
import { DomainError } from '../commands/domain-error';
import type { IdempotencyStore } from '../db/idempotency-keys';
import type { RouteContext } from './route';

/**
 * `Idempotency-Key` (as Stripe and the IETF httpapi draft define it) on writes that create
 * something: the first request with a key runs; a retry with the same key and the same request
 * gets the first answer again (marked `Idempotent-Replayed: true`) and writes nothing; the same key
 * with another request is refused (422); while the first is still running, 409. Keys belong to
 * the caller (an administrator by user id, an anonymous client by address) and are kept for
 * `ttlSeconds` after the answer. Only successes are kept: a refusal or a 503 frees the key, so
 * the retry runs again (and a 503 means the write was not stored, see the event store).
 */
export interface IdempotencyPolicy {
  applies(method: string, template: string): boolean;
  scopeOf(ctx: RouteContext): string;
  store: IdempotencyStore;
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The answer of the request: run by `respond`, or the first one's again. */
export async function answerIdempotently(ctx: RouteContext, policy: IdempotencyPolicy, key: string, request: unknown, respond: () => Promise<void>): Promise<void> {
  if (!KEY_PATTERN.test(key)) throw new DomainError('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  const scope = policy.scopeOf(ctx);
  const fingerprint = createHash('sha256').update(`${ctx.method} ${String(ctx.state.routePath)}\n${JSON.stringify(request)}`).digest('base64url');
  const begun = await policy.store.begin(scope, key, fingerprint);
  if (!begun.taken) {
    if (begun.fingerprint !== fingerprint) throw new DomainError('validation_failed', 'this Idempotency-Key was used with a different request; use a new key for a new request');
    if (!begun.answer) throw new DomainError('conflict', 'a request with this Idempotency-Key is still in progress; retry later');
    ctx.status = begun.answer.status;
    ctx.body = begun.answer.body;
    ctx.set('Idempotent-Replayed', 'true');
    return;
  }
  try {
    await respond();
  } catch (err) {
    await policy.store.release(scope, key).catch(() => undefined);
    throw err;
  }
  await policy.store.finish(scope, key, { status: ctx.status, body: ctx.body ?? null });
}
