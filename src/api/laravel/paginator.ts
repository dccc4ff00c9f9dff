import type { Page, PageRequest } from '../../projections/paging';
import type { JsonSchema, RouteContext } from '../route';
import { MAX_PAGE } from './page-reading';

/** Laravel's `paginate()` default. */
export const PER_PAGE = 15;

export const pageQuerySchema = {
  page: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    default: 1,
    description: `Page number, from 1. As Laravel's paginator: anything that is not a whole number of at least 1 (0, -3, abc) is page 1; past ${MAX_PAGE} is ${MAX_PAGE}`,
  },
} as const;

/** The shape `LengthAwarePaginator::toArray()` gives. */
export function paginatorSchema(item: JsonSchema): JsonSchema {
  const nullableInt = { type: ['integer', 'null'] };
  const nullableUrl = { type: ['string', 'null'] };
  return {
    type: 'object',
    required: ['total', 'per_page', 'current_page', 'last_page', 'next_page_url', 'prev_page_url', 'from', 'to', 'data'],
    properties: {
      total: { type: 'integer' },
      per_page: { type: 'integer' },
      current_page: { type: 'integer' },
      last_page: { type: 'integer' },
      next_page_url: nullableUrl,
      prev_page_url: nullableUrl,
      from: nullableInt,
      to: nullableInt,
      data: { type: 'array', items: item },
    },
  };
}

/**
 * One page in the paginator shape, read by `read` (one of the read models' page queries). The page
 * links repeat the other query parameters, so following them keeps the filter.
 */
export async function paginate<Row, Item>(ctx: RouteContext, page: number, read: (request: PageRequest) => Promise<Page<Row>>, map: (row: Row) => Item) {
  const { rows, total } = await read({ offset: (page - 1) * PER_PAGE, limit: PER_PAGE });
  const lastPage = Math.max(1, Math.ceil(total / PER_PAGE));
  const from = rows.length ? (page - 1) * PER_PAGE + 1 : null;
  return {
    total,
    per_page: PER_PAGE,
    current_page: page,
    last_page: lastPage,
    next_page_url: page < lastPage ? pageUrl(ctx, page + 1) : null,
    prev_page_url: page > 1 ? pageUrl(ctx, page - 1) : null,
    from,
    to: from === null ? null : from + rows.length - 1,
    data: rows.map(map),
  };
}

function pageUrl(ctx: RouteContext, page: number): string {
  const params = new URLSearchParams(ctx.querystring);
  params.set('page', String(page));
  // The route's canonical path: a caller who asked for `/api/USERS/` gets links to `/api/users`.
  return `${ctx.protocol}://${ctx.host}${ctx.state.routePath ?? ctx.path}?${params.toString()}`;
}

/** `2017-03-14 20:42:26`, China Standard Time, as the template's MySQL timestamps read. */
export function laravelTime(iso: unknown): string | null {
  if (typeof iso !== 'string') return null;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
