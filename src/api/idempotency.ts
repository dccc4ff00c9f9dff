import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { DomainError } from '../commands/domain-error';
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

export interface IdempotencyStore {
  /** Takes the key, or says what became of it. */
  begin(scope: string, key: string, fingerprint: string): Promise<{ taken: true } | { taken: false; fingerprint: string; answer: StoredAnswer | null }>;
  finish(scope: string, key: string, answer: StoredAnswer): Promise<void>;
  release(scope: string, key: string): Promise<void>;
}

export interface StoredAnswer {
  status: number;
  body: unknown;
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

/**
 * Keys in PostgreSQL, beside the log. A key in flight holds a lease of `leaseSeconds` (a process
 * that died mid-request frees it then); an expired key is taken as new.
 */
export function postgresIdempotencyStore(knex: Knex, options: { ttlSeconds: number; leaseSeconds?: number }): IdempotencyStore {
  const lease = options.leaseSeconds ?? 60;
  return {
    async begin(scope, key, fingerprint) {
      const taken = await knex.raw(
        `insert into idempotency_keys (scope, key, fingerprint, expires_at) values (?, ?, ?, now() + make_interval(secs => ?))
         on conflict (scope, key) do update set fingerprint = excluded.fingerprint, status = null, body = null, created_at = now(), expires_at = excluded.expires_at
         where idempotency_keys.expires_at < now()
         returning 1`,
        [scope, key, fingerprint, lease],
      );
      if (taken.rows.length) return { taken: true };
      const [row] = (await knex('idempotency_keys').where({ scope, key }).select('fingerprint', 'status', 'body')) as Array<{ fingerprint: string; status: number | null; body: unknown }>;
      // Expired and deleted between the two statements: the caller may simply try again.
      if (!row) throw new DomainError('conflict', 'a request with this Idempotency-Key is still in progress; retry later');
      return { taken: false, fingerprint: row.fingerprint, answer: row.status === null ? null : { status: row.status, body: row.body } };
    },
    async finish(scope, key, answer) {
      await knex('idempotency_keys')
        .where({ scope, key })
        .update({ status: answer.status, body: JSON.stringify(answer.body), expires_at: knex.raw('now() + make_interval(secs => ?)', [options.ttlSeconds]) });
    },
    async release(scope, key) {
      await knex('idempotency_keys').where({ scope, key }).whereNull('status').delete();
    },
  };
}
