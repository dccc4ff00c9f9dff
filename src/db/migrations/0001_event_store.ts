import type { Knex } from 'knex';

/**
 * The PostgreSQL event store.
 *
 * Global order is (transaction_id, global_position): a reader only returns events whose writing
 * transaction id is below the oldest transaction of this database still running
 * (authledger_read_horizon), so an event that commits late can never appear behind a checkpoint
 * a reader has already passed.
 *
 * authledger_append does the whole append in one round trip: idempotency check, expected-revision
 * check on the streams row (row lock, so exactly one of N racing writers wins a revision), unique
 * claims, and the insert. Errors use our own SQLSTATEs (AL409 version, AL423 claim, AL422 partial
 * duplicate) so the adapter can map them to typed errors.
 */
export const name = '0001_event_store';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table streams (
      stream_id text primary key,
      revision bigint not null
    );

    create table events (
      global_position bigint generated always as identity primary key,
      transaction_id xid8 not null default pg_current_xact_id(),
      stream_id text not null,
      stream_revision bigint not null,
      event_id uuid not null,
      type text not null,
      data jsonb not null,
      metadata jsonb not null,
      created_at timestamptz not null default now(),
      constraint events_event_id_unique unique (event_id),
      constraint events_stream_revision_unique unique (stream_id, stream_revision)
    );
    create index events_commit_order on events (transaction_id, global_position);

    create table unique_claims (
      scope text not null,
      value text not null,
      stream_id text not null,
      claimed_at timestamptz not null default now(),
      primary key (scope, value)
    );
    create index unique_claims_stream on unique_claims (stream_id);

    create function authledger_append(
      p_stream text, p_expected text,
      p_ids uuid[], p_types text[], p_data jsonb[], p_meta jsonb[],
      p_claims jsonb default '[]', p_releases jsonb default '[]'
    ) returns table (next_revision bigint, last_position bigint, last_transaction xid8, idempotent boolean)
    language plpgsql as $fn$
    declare
      n int := cardinality(p_ids);
      v_found int;
      v_rev bigint;
      v_current bigint;
      v_claims int;
      v_claimed int;
      v_taken jsonb;
    begin
      if n is null or n = 0 then
        raise exception 'an append needs at least one event' using errcode = '22023';
      end if;

      select count(*)::int into v_found from events where event_id = any(p_ids);
      if v_found > 0 then
        if v_found = n and not exists (
          select 1 from events where event_id = any(p_ids) and stream_id <> p_stream
        ) then
          return query
            select e.stream_revision, e.global_position, e.transaction_id, true
            from events e where e.event_id = any(p_ids)
            order by e.stream_revision desc limit 1;
          return;
        end if;
        raise exception 'partial duplicate append' using errcode = 'AL422';
      end if;

      if p_expected = 'any' then
        insert into streams as s (stream_id, revision) values (p_stream, n - 1)
          on conflict (stream_id) do update set revision = s.revision + n
          returning s.revision into v_rev;
      elsif p_expected = 'no_stream' then
        insert into streams (stream_id, revision) values (p_stream, n - 1)
          on conflict do nothing
          returning revision into v_rev;
      elsif p_expected = 'stream_exists' then
        update streams s set revision = s.revision + n where s.stream_id = p_stream
          returning s.revision into v_rev;
      else
        update streams s set revision = s.revision + n
          where s.stream_id = p_stream and s.revision = p_expected::bigint
          returning s.revision into v_rev;
      end if;

      if v_rev is null then
        select revision into v_current from streams where stream_id = p_stream;
        raise exception 'wrong expected version' using errcode = 'AL409', detail = coalesce(v_current, -1)::text;
      end if;

      if jsonb_array_length(p_releases) > 0 then
        delete from unique_claims u
          using jsonb_to_recordset(p_releases) as r(scope text, value text)
          where u.scope = r.scope and u.value = r.value and u.stream_id = p_stream;
      end if;

      v_claims := jsonb_array_length(p_claims);
      if v_claims > 0 then
        insert into unique_claims as u (scope, value, stream_id)
          select c.scope, c.value, p_stream from jsonb_to_recordset(p_claims) as c(scope text, value text)
          on conflict (scope, value) do update set stream_id = excluded.stream_id
            where u.stream_id = excluded.stream_id;
        get diagnostics v_claimed = row_count;
        if v_claimed < v_claims then
          select jsonb_build_object('scope', c.scope, 'value', c.value) into v_taken
            from jsonb_to_recordset(p_claims) as c(scope text, value text)
            join unique_claims u on u.scope = c.scope and u.value = c.value and u.stream_id <> p_stream
            limit 1;
          raise exception 'unique claim conflict' using errcode = 'AL423', detail = coalesce(v_taken::text, '{}');
        end if;
      end if;

      return query
        with inserted as (
          insert into events (stream_id, stream_revision, event_id, type, data, metadata)
          select p_stream, v_rev - n + u.ord, u.id, u.t, u.d, u.m
          from unnest(p_ids, p_types, p_data, p_meta) with ordinality as u(id, t, d, m, ord)
          order by u.ord
          returning global_position
        )
        select v_rev, max(inserted.global_position), pg_current_xact_id(), false from inserted;
    end
    $fn$;

    -- The horizon below which every transaction that could still add events has ended. Only
    -- transactions of this database can write its events table, so an open transaction that
    -- provably belongs to another database on the same server does not hold readers back (a
    -- cluster-wide pg_snapshot_xmin would). Conservative: an xid not found in pg_stat_activity
    -- counts as ours. Call it as an InitPlan, (select authledger_read_horizon()).
    create function authledger_read_horizon() returns xid8 language sql stable as $fn$
      with s as (select pg_current_snapshot() as snap)
      select coalesce(
        (select min(x) from s, pg_snapshot_xip(s.snap) as x
          where not exists (
            select 1 from pg_stat_activity a
            where a.backend_xid is not null
              and a.datname is distinct from current_database()
              and a.backend_xid::text::bigint = x::text::bigint % 4294967296)),
        (select pg_snapshot_xmax(snap) from s))
    $fn$;

    create table projection_checkpoints (
      name text primary key,
      position_commit xid8 not null default '0',
      position_prepare bigint not null default 0,
      updated_at timestamptz not null default now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists projection_checkpoints;
    drop function if exists authledger_read_horizon();
    drop function if exists authledger_append(text, text, uuid[], text[], jsonb[], jsonb[], jsonb, jsonb);
    drop table if exists unique_claims;
    drop table if exists events;
    drop table if exists streams;
  `);
}
