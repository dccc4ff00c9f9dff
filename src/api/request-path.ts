import type { Context } from 'koa';

/**
 * The one form of a request path that routing and every path-based decision see. Spellings that
 * HTTP servers and proxies treat as the same resource become one: percent-encoded unreserved
 * characters are decoded (`%75sers` → `users`; other escapes keep their meaning, hex upper-cased),
 * runs of slashes collapse, `.` and `..` segments are resolved (never above the root), and a
 * trailing slash is dropped. Letter case is kept: literal segments are matched case-insensitively
 * by the router, and decisions are then taken on the matched template (see `RequestState.routePath`),
 * while parameters keep the caller's spelling.
 */
export function canonicalPath(raw: string): string {
  // Almost every request is already canonical: a few scans, no allocation.
  if (isCanonical(raw)) return raw;
  const decoded = raw.includes('%') ? raw.replace(/%([0-9A-Fa-f]{2})/g, decodeUnreserved) : raw;
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

const SLASH = 47;
const DOT = 46;

/** No escape, no empty or dot segment, a leading slash and no trailing one. */
function isCanonical(path: string): boolean {
  const last = path.length - 1;
  if (path.charCodeAt(0) !== SLASH || (last > 0 && path.charCodeAt(last) === SLASH)) return false;
  if (path.includes('%') || path.includes('//')) return false;
  for (let at = path.indexOf('/.'); at !== -1; at = path.indexOf('/.', at + 2)) {
    const next = at + 2 > last ? SLASH : path.charCodeAt(at + 2);
    if (next === SLASH) return false;
    if (next === DOT && (at + 3 > last || path.charCodeAt(at + 3) === SLASH)) return false;
  }
  return true;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function decodeUnreserved(_escape: string, hex: string): string {
  const char = String.fromCharCode(parseInt(hex, 16));
  return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
}

/**
 * Rewrites the request's path to its canonical form (the query is kept) before anything routes it,
 * so surface ownership, the router and everything after them see one spelling; `ctx.originalUrl`
 * keeps what the caller sent. Returns the canonical path.
 */
export function useCanonicalPath(ctx: Pick<Context, 'path' | 'url' | 'search'>): string {
  const path = ctx.path;
  const canonical = canonicalPath(path);
  if (canonical !== path) ctx.url = `${canonical}${ctx.search}`;
  return canonical;
}
