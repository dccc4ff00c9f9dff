import type { RouteContext } from '../route';

/**
 * The original (gin) reads `?appid=` as no appid: its front end sends every search box, empty or
 * not. Admin routes get the same reading: an empty query parameter is dropped before validation.
 * Only the query string changes; the path the router matched is untouched.
 */
export function dropEmptyQueryParameters(ctx: RouteContext, template: string): void {
  if (!template.includes('/admin/')) return;
  const query = ctx.query as Record<string, string | string[] | undefined>;
  const kept = Object.entries(query).filter(([, v]) => v !== '' && !(Array.isArray(v) && v.every((x) => x === '')));
  if (kept.length !== Object.keys(query).length) ctx.query = Object.fromEntries(kept) as typeof ctx.query;
}

/**
 * `offset` as the original read it: gin takes any whole number, and gorm leaves out an OFFSET that is
 * not positive, so a negative offset is the first row.
 */
export const laxOffset = { type: 'integer', maximum: 1_000_000, default: 0, description: 'Rows to skip; below 0 is 0' } as const;

/**
 * `limit` as the original read it: gorm leaves out a LIMIT that is not positive (every row), and the
 * front end asks for more than a page at times (999 rules). A page size is not data: anything past
 * `max`, zero and below included, is served as `max` rows.
 */
export const laxLimit = (max: number, fallback: number | null = 10) => ({
  type: 'integer',
  ...(fallback === null ? {} : { default: fallback }),
  description: `Page size; 0 or less (the original: no limit) or more than ${max} is served as ${max}`,
});

/** The rows a lax `offset`/`limit` pair asks for, within what we serve. */
export function pageWindow(offset: number, limit: number, max: number): { offset: number; limit: number } {
  return { offset: Math.max(offset, 0), limit: limit <= 0 ? max : Math.min(limit, max) };
}
