import type { ParameterizedContext } from 'koa';
import type { Failure } from './failure';
import type { IdempotencyPolicy } from './idempotency';
import type { JsonSchema, Route, RouteContext } from './route';

/** The part of a Koa context an envelope writes to. */
export type EnvelopeContext = Pick<ParameterizedContext, 'status' | 'body' | 'type' | 'set' | 'path' | 'state'>;

/**
 * How one surface answers: the wire shape of a success and of every refusal, and the shapes the
 * OpenAPI document shows for them. Each legacy surface has its own; existing clients depend on it.
 */
export interface Envelope {
  /** Writes a success answer around `data`; `extra` carries envelope-specific fields (Insight's `option`, a 201 status). */
  ok(ctx: EnvelopeContext, data: unknown, extra?: Record<string, unknown>): void;
  /** Writes a refusal. Never given an unexpected error's message: those arrive as a generic `internal`. */
  fail(ctx: EnvelopeContext, failure: Failure): void;
  readonly openapi: EnvelopeDocumentation;
}

export interface EnvelopeDocumentation {
  /** The whole success body around a payload schema (undefined: no documented payload). */
  success(data: JsonSchema | undefined): JsonSchema;
  error: JsonSchema;
  errorMediaType: string;
  /** Refusals travel with HTTP 200 (Insight, wxcomponent), so a 200 may carry either shape. */
  errorsUseHttp200: boolean;
  /** HTTP statuses refusals may use, documented on every operation of the surface. */
  errorStatuses: number[];
}

export interface SecurityScheme {
  /** An OpenAPI Security Scheme Object (`{ type: 'http', scheme: 'bearer' }`, …). */
  openapi: Record<string, unknown>;
  /**
   * Runs before the body is read: proves the caller holds this credential (and may put who they
   * are on `ctx.state`), or throws a DomainError (unauthenticated, token_expired, forbidden).
   */
  authenticate(ctx: RouteContext): Promise<void> | void;
}

export interface Surface {
  /** Short stable name; prefixes generated operation ids. */
  name: string;
  /** Mount point(s): every route path is served under each of them (wxcomponent answers at both `` and `/wxcomponent`). */
  prefix: string | readonly string[];
  /**
   * Path prefixes this surface answers for, including its 404/405/body errors. Defaults to the
   * mount prefixes; required when mounted at the root.
   */
  owns?: readonly string[];
  envelope: Envelope;
  routes: readonly Route[];
  /** Keys are what routes name in `security`; they become the OpenAPI components' security scheme names. */
  securitySchemes?: Readonly<Record<string, SecurityScheme>>;
  /** The scheme a route gets when it names none. Without it, a surface with schemes must make every route say. */
  defaultSecurity?: string;
  /**
   * Runs for every request that matched one of the surface's routes, before the route's security
   * scheme and body: per-endpoint rules such as rate limits. Refuses by throwing. `readBody` reads
   * the body the way the route would (the route then reuses it).
   */
  before?(ctx: RouteContext, route: MatchedRoute): Promise<void> | void;
  /** Routes that take an `Idempotency-Key` header (src/api/idempotency.ts). */
  idempotency?: IdempotencyPolicy;
  description?: string;
  /**
   * The projections (by name) this surface's routes read. A request that appends events answers
   * only once each of these that handles one of its events has applied it (read-your-writes,
   * docs/read-side.md); routes opt out with `waitsForReadModels: false`.
   */
  readModels?: readonly string[];
  /**
   * The group its operations are listed under in the API reference (`x-tagGroups`, and each
   * operation's `x-group`): surfaces that serve one product share one. Defaults to the name.
   */
  group?: string;
}

/**
 * Runs a route's work and holds its answer until the surface's read models have applied what it
 * wrote (src/projections/read-your-writes.ts). Null: this surface never waits.
 */
export type WriteFence = (work: () => Promise<void>) => Promise<void>;
export type WriteFences = (surface: Surface) => WriteFence | null;

/** What a surface's `before` hook learns about the route a request matched. */
export interface MatchedRoute {
  /** Full path template (`/base/auth/v1.0/navigators/:id/functions`). */
  template: string;
  /** The request's canonical path: the template with the parameters it matched (`/base/auth/v1.0/navigators/42/functions`). */
  path: string;
  /** The route's method (`GET` for a HEAD request served by a GET route). */
  method: string;
  readBody(): Promise<void>;
}

export function mountPrefixes(surface: Surface): string[] {
  const prefixes = typeof surface.prefix === 'string' ? [surface.prefix] : [...surface.prefix];
  return prefixes.map((p) => p.replace(/\/+$/, ''));
}

export function ownedPrefixes(surface: Surface): string[] {
  const owned = surface.owns ? [...surface.owns] : mountPrefixes(surface);
  if (owned.some((p) => p === '' || p === '/')) {
    throw new Error(`surface ${surface.name}: mounted at the root, it must say which paths it owns (owns: ['/auth', …])`);
  }
  return owned.map((p) => p.replace(/\/+$/, ''));
}

/**
 * Whether `path` is `prefix` itself or below it, segment-wise (`/api` owns `/api/x`, not `/apix`),
 * ignoring letter case as the router does: `/API/users` belongs to the surface that answers it.
 */
export function isUnder(path: string, prefix: string): boolean {
  const end = prefix.length;
  if (path.length < end || (path.length > end && path.charCodeAt(end) !== SLASH)) return false;
  if (path.startsWith(prefix)) return true;
  for (let i = 0; i < end; i++) if (foldCase(path.charCodeAt(i)) !== foldCase(prefix.charCodeAt(i))) return false;
  return true;
}

const SLASH = 47;
/** ASCII letters to lower case; the router's case-insensitivity is ASCII-only too. */
const foldCase = (code: number): number => (code >= 65 && code <= 90 ? code + 32 : code);

/** The security scheme key a route runs under, or null for a public route. Fails at startup on a route that forgot to say. */
export function routeSecurity(surface: Surface, route: Route): string | null {
  const { definition } = route;
  const key = definition.security ?? surface.defaultSecurity;
  const where = `surface ${surface.name}: ${definition.method.toUpperCase()} ${definition.path}`;
  if (key === undefined) {
    if (surface.securitySchemes && Object.keys(surface.securitySchemes).length > 0) {
      throw new Error(`${where} names no security and the surface has no default: say security: 'none' for a public route`);
    }
    return null;
  }
  if (key === 'none') return null;
  if (!surface.securitySchemes?.[key]) throw new Error(`${where} names security "${key}", which the surface does not define`);
  return key;
}
