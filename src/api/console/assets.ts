import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/**
 * The browser files the service serves: our own (under `console/` at the package root) and, from
 * our dependencies, the UI libraries. Read once, kept in memory with their digests; nothing is
 * fetched from a CDN, so the pages work offline.
 */
export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The directory holding package.json: the sources run from src/, the build from dist/src/. */
export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'console'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package root with a console/ folder above ${from}`);
  }
}

/** A dependency's file, by package name and path inside it. */
export function dependencyFile(pkg: string, file: string): string {
  // Looked up like require() would, without require(): some packages export no package.json.
  for (const base of require.resolve.paths(pkg) ?? []) {
    const path = join(base, pkg, file);
    if (existsSync(path)) return path;
  }
  throw new Error(`${pkg}/${file} is not installed (npm install)`);
}

export function loadAsset(path: string): Asset {
  return assetOf(readFileSync(path), TYPES[extname(path)] ?? 'application/octet-stream');
}

export function assetOf(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** CSP source for one inline script (the import map), so no other inline script can run. */
export function scriptHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}
