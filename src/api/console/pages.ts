import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Middleware, Next } from 'koa';
import { useCanonicalPath } from '../request-path';
import { isUnder } from '../surface';
import { assetOf, dependencyFile, loadAsset, packageRoot, scriptHash, type Asset } from './assets';

/** Where the browser pages live; no API surface owns these paths. */
export const PAGE_PREFIXES = ['/console', '/docs'] as const;
export const QUEUE_BOARD_PATH = '/console/queues';

/** The libraries the console imports, served from node_modules under /console/vendor/. */
const VENDOR: Record<string, [pkg: string, file: string]> = {
  'preact.mjs': ['preact', 'dist/preact.mjs'],
  'preact-hooks.mjs': ['preact', 'hooks/dist/hooks.mjs'],
  'htm.mjs': ['htm', 'dist/htm.mjs'],
  'uplot.mjs': ['uplot', 'dist/uPlot.esm.js'],
  'uplot.css': ['uplot', 'dist/uPlot.min.css'],
};
const DOCS_VENDOR: Record<string, [pkg: string, file: string]> = {
  'swagger-ui.css': ['swagger-ui-dist', 'swagger-ui.css'],
  'swagger-ui-bundle.js': ['swagger-ui-dist', 'swagger-ui-bundle.js'],
};

/** Bare specifiers the console's modules use, resolved by the browser through this import map. */
export const IMPORT_MAP = JSON.stringify({
  imports: { preact: '/console/vendor/preact.mjs', 'preact/hooks': '/console/vendor/preact-hooks.mjs', htm: '/console/vendor/htm.mjs', uplot: '/console/vendor/uplot.mjs' },
});

export interface PagesOptions {
  /** The queue board (already behind its own sign-in check), mounted at QUEUE_BOARD_PATH. */
  queueBoard?: Middleware;
}

/**
 * `/` (where to go), `/docs` (the API reference) and `/console` (the operator's console): static
 * files only, every page a client of the public API. Anything else goes on to the API surfaces.
 */
export function pagesMiddleware(options: PagesOptions = {}): Middleware {
  const root = join(packageRoot(), 'console');
  const own = new Map<string, Asset>();
  for (const name of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (/\.(html|js|css|png|svg)$/.test(name)) own.set(name.split('\\').join('/'), loadAsset(join(root, name)));
  }
  const files = new Map<string, Asset>();
  for (const [name, asset] of own) if (!name.startsWith('docs/') && !name.endsWith('.html')) files.set(`/console/${name}`, asset);
  for (const [name, [pkg, file]] of Object.entries(VENDOR)) files.set(`/console/vendor/${name}`, loadAsset(dependencyFile(pkg, file)));
  for (const [name, [pkg, file]] of Object.entries(DOCS_VENDOR)) files.set(`/docs/${name}`, loadAsset(dependencyFile(pkg, file)));
  files.set('/docs/docs.js', required(own, 'docs/docs.js'));
  const pages = new Map<string, Asset>([
    ['/', required(own, 'landing.html')],
    ['/console', withImportMap(required(own, 'index.html'))],
    ['/docs', required(own, 'docs/index.html')],
  ]);
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${scriptHash(IMPORT_MAP)}`,
    // Swagger UI and uPlot set style attributes; no script can come in through a style.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');

  return async (ctx: Context, next: Next) => {
    const path = useCanonicalPath(ctx);
    if (path !== '/' && !PAGE_PREFIXES.some((prefix) => isUnder(path, prefix))) return next();
    const state = ctx.state as { route?: string };
    if (options.queueBoard && isUnder(path, QUEUE_BOARD_PATH)) {
      state.route = `${QUEUE_BOARD_PATH}/*`;
      return options.queueBoard(ctx, next);
    }
    const page = pages.get(path);
    const asset = page ?? files.get(path);
    if (!asset) return next();
    state.route = page ? path : `${path.startsWith('/docs') ? '/docs' : '/console'}/*`;
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      return;
    }
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-cache');
    if (page) ctx.set('Content-Security-Policy', csp);
    ctx.set('ETag', asset.etag);
    if (ctx.get('if-none-match') === asset.etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = asset.type;
    ctx.body = asset.body;
  };
}

/** The import map is written into the page here, so the one inline script is exactly the one the CSP hashes. */
function withImportMap(page: Asset): Asset {
  const html = page.body.toString('utf8');
  if (!html.includes('<!--importmap-->')) throw new Error('console/index.html has no <!--importmap--> placeholder');
  return assetOf(Buffer.from(html.replace('<!--importmap-->', `<script type="importmap">${IMPORT_MAP}</script>`)), page.type);
}

function required(assets: Map<string, Asset>, name: string): Asset {
  const asset = assets.get(name);
  if (!asset) throw new Error(`console/${name} is missing`);
  return asset;
}
