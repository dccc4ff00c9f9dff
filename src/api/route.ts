import type { ParameterizedContext } from 'koa';
import type { Logger } from '../observability/logger';
import type { UploadedFile } from './multipart';
import { compileRequestValidators, type RequestValidators } from './request-validation';

/** A JSON Schema (draft-07 keywords) as a plain object literal. */
export type JsonSchema = { readonly [keyword: string]: unknown };

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What the HTTP shell puts on `ctx.state` for every request before any route runs. */
export interface RequestState {
  requestId: string;
  /** The caller's address: the socket peer, or the proxy's last X-Forwarded-For hop when the proxy is trusted. */
  clientIp: string | null;
  userAgent: string | null;
  /** Bound to this request's id. */
  logger: Logger;
  /** Template of the matched route (`/v1/users/:id`); unset while unmatched. */
  route?: string;
  /**
   * The matched template with the parameters substituted as sent (`/v1/users/Ab12`), whatever
   * spelling of it the caller used: every path-based decision (permissions, configs, rate limits,
   * links) is taken on this, never on `ctx.path`. Unset while unmatched.
   */
  routePath?: string;
  /** The matched route's method: `GET` for a HEAD the GET route serves. */
  routeMethod?: string;
}

/** The request parts a route's schemas describe, as TypeScript types: `defineRoute<{ body: Login }>(…)`. */
export interface RouteTypes {
  body?: unknown;
  query?: unknown;
  params?: unknown;
}

/** The Koa context a handler sees: its body, query and params already validated (and query/params coerced). */
export type RouteContext<T extends RouteTypes = RouteTypes> = ParameterizedContext<
  RequestState & { query: T['query'] } & Record<string, unknown>,
  { params: T['params']; request: { body: T['body']; files?: Readonly<Record<string, UploadedFile>> } }
>;

export interface ResponseDefinition {
  description: string;
  /**
   * The schema of the success payload (what the handler returns, before the surface's envelope
   * wraps it). Error statuses are documented with the envelope's error shape automatically.
   */
  schema?: JsonSchema;
  /** A response that is not enveloped JSON (a file, an XML reply, plain text). */
  mediaType?: string;
}

export interface RawBodyDefinition {
  /** Accepted Content-Types, e.g. `text/xml` and `application/xml` (a wildcard type accepts any); others are refused with 415. */
  mediaTypes: string[];
  description?: string;
}

export interface RouteRequestDefinition {
  /** JSON body, validated without type coercion: `"3"` is not an integer. */
  body?: JsonSchema;
  /** Query string, coerced from strings (`?limit=10` is an integer). */
  query?: JsonSchema;
  /** Path parameters, coerced like the query. */
  params?: JsonSchema;
  /**
   * The body as text, unparsed and unvalidated, in `ctx.request.rawBody` (XML callbacks, signed
   * payloads). Excludes `body`.
   */
  raw?: RawBodyDefinition;
  /** A multipart/form-data upload: text fields in `ctx.request.body`, files in `ctx.request.files`. Excludes `body` and `raw`. */
  multipart?: MultipartBodyDefinition;
}

export interface MultipartBodyDefinition {
  /** The text fields as an object schema of strings, validated like a JSON body. */
  fields: JsonSchema;
  /** The file fields by name; a required one that is missing is a validation error on that field. */
  files: Record<string, { description: string; required?: boolean }>;
  /**
   * Largest body read, in place of the surface-wide BODY_LIMIT_BYTES (an upload is bigger than any
   * JSON body); past it the answer is 413 and nothing has been stored.
   */
  limitBytes: number;
}

export interface RouteDefinition<T extends RouteTypes = RouteTypes> {
  method: HttpMethod;
  /** Koa path relative to the surface's mount prefix, with `:param` placeholders. */
  path: string;
  /** Stable name in the OpenAPI document; generated from surface, method and path when omitted. */
  operationId?: string;
  summary: string;
  description?: string;
  tags: string[];
  /** `'none'` for a public route, else a key of the surface's security schemes; omitted: the surface's default. */
  security?: 'none' | (string & {});
  request?: RouteRequestDefinition;
  responses: { [status: number]: ResponseDefinition };
  deprecated?: boolean;
  /**
   * False: the answer never waits for read models, whatever the route appends (token issue and
   * verify, WeChat's pushes: nobody reads a list after them, and the token path must not depend on
   * a projector). Default true: see Surface.readModels.
   */
  waitsForReadModels?: boolean;
  /**
   * Returns the success payload, which the surface's envelope wraps; or writes `ctx.body` itself
   * (then the return value is ignored). Refuses by throwing a DomainError.
   */
  handler(ctx: RouteContext<T>): unknown;
}

/** A route definition with its schemas compiled: built once when the module defining it loads. */
export interface Route {
  readonly definition: RouteDefinition;
  readonly validators: RequestValidators;
}

/**
 * Declares a route. Its schemas are the single source for request validation and for the OpenAPI
 * document; they are compiled here, so a broken schema fails at startup, not on the first request.
 */
export function defineRoute<T extends RouteTypes = RouteTypes>(definition: RouteDefinition<T>): Route {
  const where = `${definition.method.toUpperCase()} ${definition.path}`;
  if (!definition.path.startsWith('/')) throw new Error(`route ${where}: path must start with "/"`);
  const bodyKinds = (['body', 'raw', 'multipart'] as const).filter((kind) => definition.request?.[kind]);
  if (bodyKinds.length > 1) throw new Error(`route ${where}: a body is either JSON (body) or raw text (raw) or a form (multipart), not ${bodyKinds.join(' and ')}`);
  if (definition.request?.raw && definition.request.raw.mediaTypes.length === 0) throw new Error(`route ${where}: raw.mediaTypes must list at least one type`);
  if (Object.keys(definition.responses).length === 0) throw new Error(`route ${where}: document at least one response`);
  return { definition: definition as RouteDefinition, validators: compileRequestValidators(definition.request ?? {}, where) };
}
