import type { Knex } from 'knex';

/**
 * What a write sent with an `Idempotency-Key` answered, per caller and key, so a retry gets the
 * same answer and writes nothing (src/api/idempotency.ts). A row in flight holds a short lease;
 * a finished one is kept until `expires_at`. Not part of the log: deleting rows only lets a key be
 * used again.
 */
export const name = '0005_idempotency_keys';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table idempotency_keys (
      scope text not null,
      key text not null,
      fingerprint text not null,
      status int,
      body jsonb,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      primary key (scope, key)
    );
    create index idempotency_keys_expires_at on idempotency_keys (expires_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists idempotency_keys');
}
