import type { Knex } from 'knex';
import { readPage, type Page, type PageRequest } from '../paging';
import type { LicenseRow, SessionLogRow } from './licenses';

/** Reads of the licenses read model: licenses and their session logs. */

/** `/v1/licenses`: by type and status, in order of issue. */
export function pageOfLicenses(knex: Knex, filter: { type?: string; disabled?: boolean }, page: PageRequest): Promise<Page<LicenseRow>> {
  const base = knex('licenses').modify((q) => {
    if (filter.type) q.where('license_type', filter.type);
    if (filter.disabled !== undefined) q.where('disabled', filter.disabled);
  });
  return readPage<LicenseRow>(base, page, [{ column: 'issued_at' }, { column: 'sn' }]);
}

/** A session-log condition as the BitAnswer query language allows it, already checked. */
export interface SessionLogFilter {
  column: string;
  op: string;
  values: Array<string | number | Date>;
}

/**
 * Several values mean any of them: `=` is IN, `like` and the comparisons are OR-ed; `<>` with
 * several values means none of them (read as "any", it would match every row).
 */
function applySessionLogFilters(q: Knex.QueryBuilder, filters: readonly SessionLogFilter[]): Knex.QueryBuilder {
  for (const f of filters) {
    if (f.op === '=') q.whereIn(f.column, f.values);
    else if (f.op === '<>') q.whereNotIn(f.column, f.values);
    else
      q.where((w) => {
        for (const v of f.values) w.orWhere(f.column, f.op, v);
      });
  }
  return q;
}

/** One page of an SN's session logs, or null when the SN does not exist. */
export async function pageOfSessionLogs(
  knex: Knex,
  sn: string,
  page: PageRequest,
  filters: readonly SessionLogFilter[],
  order: ReadonlyArray<{ column: string; order: 'asc' | 'desc' }>,
): Promise<Page<SessionLogRow> | null> {
  const base = applySessionLogFilters(knex('license_session_logs').where({ sn }), filters);
  // session_id last: a stable order, so offset paging neither repeats nor skips rows. It follows the
  // first key's direction, so a backward index scan serves the order without a sort.
  const keys = order.length ? order : [{ column: 'start_time', order: 'asc' as const }];
  // Side by side: the count of a busy SN is the slow part, and the page does not need to wait for it.
  const [license, counted, rows] = await Promise.all([
    knex('licenses').where({ sn }).first('sn'),
    base.clone().count({ count: '*' }) as unknown as Promise<[{ count: string }]>,
    base
      .clone()
      .orderBy([...keys, { column: 'session_id', order: keys[0]!.order }])
      .offset(page.offset)
      .limit(page.limit) as unknown as Promise<SessionLogRow[]>,
  ]);
  if (!license) return null;
  return { total: Number(counted[0].count), rows };
}

/** SNs with a live session past its deadline (for the sweep); none while the read model does not exist yet. */
export async function snsWithOverdueSessions(knex: Knex, now: Date, limit: number): Promise<string[]> {
  try {
    const rows = (await knex('license_session_logs').where('live', true).where('deadline', '<=', now.toISOString()).distinct('sn').limit(limit)) as Array<{ sn: string }>;
    return rows.map((r) => r.sn);
  } catch (err) {
    // On a first start the projector has not created the read model yet: nothing to sweep.
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  }
}

// For the operator console (/v1 reads).
const missingTable = (err: { code?: string }) => err.code === '42P01';

/** Live sessions per serial number, for the given ones (absent: none live). */
export async function liveSeatCountsBySn(knex: Knex, sns: readonly string[]): Promise<Map<string, number>> {
  if (sns.length === 0) return new Map();
  try {
    const rows = (await knex('license_session_logs').select('sn').count({ live: '*' }).whereIn('sn', [...sns]).andWhere('live', true).groupBy('sn')) as Array<{ sn: string; live: string | number }>;
    return new Map(rows.map((r) => [r.sn, Number(r.live)]));
  } catch (err) {
    if (missingTable(err as { code?: string })) return new Map();
    throw err;
  }
}

export interface SeatsAtRow {
  at: Date;
  inUse: number;
}

/**
 * Seats held at each step from `from` to `to`: sessions that had started (and were not refused)
 * and had not yet ended at that instant. A session still live counts until now.
 */
export async function seatsInUseOverTime(knex: Knex, sn: string, from: Date, to: Date, stepSeconds: number): Promise<SeatsAtRow[]> {
  try {
    const res = await knex.raw(
      `select t.at, count(s.session_id)::int as in_use
         from generate_series(?::timestamptz, ?::timestamptz, make_interval(secs => ?)) as t(at)
         left join license_session_logs s
           on s.sn = ? and s.error_code = 0 and s.start_time <= t.at and (s.end_time is null or s.end_time > t.at)
        group by t.at
        order by t.at`,
      [from.toISOString(), to.toISOString(), stepSeconds, sn],
    );
    return (res.rows as Array<{ at: Date; in_use: number }>).map((r) => ({ at: r.at, inUse: r.in_use }));
  } catch (err) {
    if (missingTable(err as { code?: string })) return [];
    throw err;
  }
}
