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
