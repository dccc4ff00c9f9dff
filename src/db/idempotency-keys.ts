import type { Knex } from 'knex';
import { DomainError } from '../commands/domain-error';

/** Where the answers of `Idempotency-Key` requests are kept (src/api/idempotency.ts says what a key means). */
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
