import type { Knex } from 'knex';

/** Reads of the licenses read model (`licenses`, `license_session_logs`). */

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
