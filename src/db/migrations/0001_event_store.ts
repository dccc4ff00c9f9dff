import type { Knex } from 'knex';

/**
 * The PostgreSQL event store.
 *
 * Global order is (transaction_id, global_position): a reader only returns events whose writing
 * transaction id is below the oldest transaction of this database still running
 * (authledger_read_horizon), so an event that commits late can never appear behind a checkpoint
 * a reader has already passed.
 *
 * An append is one INSERT whose rows take the revisions after the expected one; the unique
 * (stream_id, stream_revision) index is what makes exactly one of N racing writers win a revision,
 * and the unique event_id index what makes a re-send harmless. There is no streams table to
 * update: that write cost a third of the throughput under concurrency.
 */
export const name = '0001_event_store';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table events (
      global_position bigint generated always as identity,
      transaction_id xid8 not null default pg_current_xact_id(),
      stream_id text not null,
      stream_revision bigint not null,
      event_id uuid not null,
      type text not null,
      data jsonb not null,
      metadata jsonb not null,
      created_at timestamptz not null default now(),
      -- Commit order is the key: the global reader walks it, so it needs no index of its own.
      constraint events_pkey primary key (transaction_id, global_position),
      constraint events_event_id_unique unique (event_id),
      constraint events_stream_revision_unique unique (stream_id, stream_revision)
    );

    create table unique_claims (
      scope text not null,
      value text not null,
      stream_id text not null,
      claimed_at timestamptz not null default now(),
      primary key (scope, value)
    );
    create index unique_claims_stream on unique_claims (stream_id);

    -- Claims and releases unique values for a stream. The adapter calls it in the same
    -- transaction as the append, so the values change hands exactly when the events land.
    create function authledger_claim(p_stream text, p_claims jsonb, p_releases jsonb) returns void
    language plpgsql as $fn$
    declare
      v_claims int := jsonb_array_length(p_claims);
      v_done int;
      v_taken jsonb;
    begin
      delete from unique_claims u
        using jsonb_to_recordset(p_releases) as r(scope text, value text)
        where u.scope = r.scope and u.value = r.value and u.stream_id = p_stream;
      if v_claims = 0 then
        return;
      end if;
      insert into unique_claims as u (scope, value, stream_id)
        select c.scope, c.value, p_stream from jsonb_to_recordset(p_claims) as c(scope text, value text)
        on conflict (scope, value) do update set stream_id = excluded.stream_id
          where u.stream_id = excluded.stream_id;
      get diagnostics v_done = row_count;
      if v_done < v_claims then
        select jsonb_build_object('scope', c.scope, 'value', c.value) into v_taken
          from jsonb_to_recordset(p_claims) as c(scope text, value text)
          join unique_claims u on u.scope = c.scope and u.value = c.value and u.stream_id <> p_stream
          limit 1;
        raise exception 'unique claim conflict' using errcode = 'AL423', detail = coalesce(v_taken::text, '{}');
      end if;
    end
    $fn$;

    -- Where the given event ids are stored (for telling a re-send from a conflict).
    create function authledger_stored_events(p_ids uuid[])
    returns table (stream_id text, stream_revision bigint, global_position bigint, transaction_id xid8)
    language sql stable as $fn$
      select e.stream_id, e.stream_revision, e.global_position, e.transaction_id
      from events e where e.event_id = any(p_ids)
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

    -- One page of the global log in commit order. The ordered walk of events_pkey is the only
    -- sensible plan (a page is a LIMIT over the key order), but with stale statistics the planner
    -- picks a bitmap scan and sorts everything after the checkpoint; the settings below rule
    -- that out for this function alone. Null filters mean "any".
    create function authledger_read_all(
      p_commit xid8, p_prepare bigint, p_limit int,
      p_types text[], p_prefixes text[], p_from timestamptz, p_to timestamptz
    ) returns setof events
    language plpgsql stable
    set enable_bitmapscan = off
    set enable_sort = off
    as $fn$
    begin
      return query
        select * from events e
        where (e.transaction_id, e.global_position) > (p_commit, p_prepare)
          and e.transaction_id < (select authledger_read_horizon())
          and (p_types is null or e.type = any(p_types))
          and (p_prefixes is null or e.stream_id like any(p_prefixes))
          and (p_from is null or e.created_at >= p_from)
          and (p_to is null or e.created_at < p_to)
        order by e.transaction_id, e.global_position
        limit p_limit;
    end
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
    drop function if exists authledger_read_all(xid8, bigint, int, text[], text[], timestamptz, timestamptz);
    drop function if exists authledger_read_horizon();
    drop function if exists authledger_stored_events(uuid[]);
    drop function if exists authledger_claim(text, jsonb, jsonb);
    drop table if exists unique_claims;
    drop table if exists events;
  `);
}
