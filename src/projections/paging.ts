import type { Knex } from 'knex';

/**
 * Paging and text search over read-model tables, written once for every context's queries.
 */

export interface PageRequest {
  offset: number;
  limit: number;
}

export interface Page<Row> {
  rows: Row[];
  /** Rows matching the filter, all pages together. */
  total: number;
}

export type Ordering = ReadonlyArray<{ column: string; order?: 'asc' | 'desc' }>;

/** A LIKE/ILIKE pattern matching `text` anywhere, with `%`, `_` and `\` in it taken literally (PostgreSQL's default escape). */
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The total and one page of `query` (filtered, not yet ordered or limited), in one round trip each. */
export async function readPage<Row>(query: Knex.QueryBuilder, page: PageRequest, orderBy: Ordering): Promise<Page<Row>> {
  const [counted, rows] = await Promise.all([
    query.clone().clearSelect().clearOrder().count({ count: '*' }) as Promise<Array<{ count: string | number }>>,
    // A page of no rows still answers the total (Insight's size=0); knex would drop a LIMIT 0.
    page.limit <= 0 ? Promise.resolve([] as Row[]) : (query.clone().orderBy(orderBy as Array<{ column: string; order?: 'asc' | 'desc' }>).limit(page.limit).offset(page.offset) as Promise<Row[]>),
  ]);
  return { rows, total: Number(counted[0]?.count ?? 0) };
}
