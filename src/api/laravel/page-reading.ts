import type { RouteContext } from '../route';
import { unstorableTextIssues } from '../storable-text';

/** The largest page number served; a larger one is read as this (an empty page for any list we hold). */
export const MAX_PAGE = 1_000_000;

/** PHP's FILTER_VALIDATE_INT: optional spaces and sign, no leading zeros. */
const PHP_INT = /^[ \t\n\r\v\f]*[+-]?(0|[1-9][0-9]*)[ \t\n\r\v\f]*$/;

/**
 * Laravel's paginator takes `page` only when it is a whole number of at least 1, and reads
 * anything else (`0`, `abc`, `-3`, `2.5`) as page 1. The template's tables then show page 1;
 * a 422 would have sent them to their error screen. Rewrites `page` in the query string to the
 * number Laravel would have used, before the route's schema judges it. Other parameters are left
 * as sent, and the path the router matched is untouched.
 */
export function readPageAsLaravel(ctx: RouteContext): void {
  const query = ctx.query as Record<string, string | string[] | undefined>;
  if (!('page' in query)) return;
  const sent = query.page;
  // PHP keeps the last of repeated `page=` parameters (`page[]=` is another name, ignored like any unknown one).
  const text = Array.isArray(sent) ? sent.at(-1) : sent;
  // Text we could not store (NUL, lone surrogates) is refused as such, not read as page 1.
  if (unstorableTextIssues('query', { page: sent }).length > 0) return;
  const page = text !== undefined && PHP_INT.test(text) ? Number(text.trim()) : 1;
  const read = String(Math.min(Math.max(page, 1), MAX_PAGE));
  if (read !== sent) ctx.query = { ...query, page: read } as typeof ctx.query;
}
