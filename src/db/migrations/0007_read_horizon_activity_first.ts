import type { Knex } from 'knex';

/**
 * The global log's horizon leaves out in-flight transactions that pg_stat_activity shows in another
 * database. Read after the query's snapshot, that look missed a transaction of another database
 * that ended in between, counted it as ours, and held back events already acknowledged (4–8% of
 * reads beside a busy neighbour database). The backend status is read once per transaction, so
 * reading it first, then running the page query with its own, later snapshot (the function is
 * volatile for that), means every other-database transaction older than the snapshot's own
 * in-flight ones was already in the look. Anything that started in between is newer than every
 * event committed before the call, so it holds back nothing the caller has seen acknowledged.
 */
export const name = '0007_read_horizon_activity_first';

const body = (activityFirst: boolean) => `
    create or replace function authledger_read_all(
      p_commit xid8, p_prepare bigint, p_limit int,
      p_types text[], p_prefixes text[], p_from timestamptz, p_to timestamptz
    ) returns setof events
    language plpgsql ${activityFirst ? 'volatile' : 'stable'}
    set enable_bitmapscan = off
    set enable_sort = off
    as $fn$
    begin
      ${activityFirst ? 'perform count(*) from pg_stat_get_backend_idset();' : ''}
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
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(body(true));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(body(false));
}
