import { isDomainError, type DomainErrorCode } from '../commands/domain-error';
import type { RefusalReason } from '../commands/refusals';
import { UniqueClaimConflictError, WrongExpectedVersionError } from '../eventstore/errors';
import { outageCause } from './dependency-outage';

/**
 * What an envelope is asked to report. Besides the domain's own codes, the HTTP shell itself
 * refuses requests that never reach a command: a body that is not JSON, a path nobody serves,
 * a method the path does not take.
 */
export type FailureCode = DomainErrorCode | 'malformed_request' | 'route_not_found' | 'method_not_allowed';

/** One reason a request was refused by its schema. `path` is dotted (`items.0.name`), empty for the whole part. */
export interface ValidationIssue {
  in: 'body' | 'query' | 'params';
  path: string;
  message: string;
}

export interface Failure {
  code: FailureCode;
  /** The domain's name for this refusal, when it gave one: surfaces choose their codes and words by it. */
  reason?: RefusalReason;
  /** Safe to show to the caller. */
  message: string;
  details?: Record<string, unknown>;
  /** For validation_failed: each field that was refused. */
  issues?: ValidationIssue[];
  /** For method_not_allowed: what the path does take. */
  allowedMethods?: string[];
}

export interface ClassifiedError {
  failure: Failure;
  /** Not a refusal anyone planned: log it in full, answer generically. */
  unexpected: boolean;
}

const GENERIC_INTERNAL: Failure = { code: 'internal', message: 'internal error' };

/** Turns anything thrown below the HTTP shell into a failure an envelope can answer with. */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof FailureSignal) return { failure: err.failure, unexpected: false };
  if (isDomainError(err)) {
    const failure: Failure = { code: err.code, message: err.message };
    if (err.reason) failure.reason = err.reason;
    if (err.details) failure.details = err.details;
    const issues = issuesFrom(err.details?.errors);
    if (issues) failure.issues = issues;
    return { failure, unexpected: false };
  }
  const stored = eventStoreFailure(err);
  if (stored) return stored;
  const httpError = httpErrorShape(err);
  if (httpError) return { failure: failureFromHttpError(httpError), unexpected: false };
  return { failure: GENERIC_INTERNAL, unexpected: true };
}

/** The event store's own refusals, as a caller would describe them. */
function eventStoreFailure(err: unknown): ClassifiedError | null {
  if (err instanceof UniqueClaimConflictError) {
    return { failure: { code: 'already_exists', message: err.message, details: { field: err.claim.scope } }, unexpected: false };
  }
  if (err instanceof WrongExpectedVersionError) {
    return { failure: { code: 'conflict', message: 'the record was changed by someone else at the same moment; try again' }, unexpected: false };
  }
  if (outageCause(err)) {
    // Logged once per outage by the HTTP shell (src/observability/outages.ts), not per request.
    return { failure: { code: 'unavailable', message: 'the service is temporarily unavailable' }, unexpected: true };
  }
  return null;
}

export function routeNotFound(): Failure {
  return { code: 'route_not_found', message: 'no such endpoint' };
}

export function methodNotAllowed(allowedMethods: string[]): Failure {
  return { code: 'method_not_allowed', message: 'this endpoint does not take that method', allowedMethods };
}

/** A failure that is thrown like an error and carried unchanged to the envelope. */
export class FailureSignal extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = 'FailureSignal';
  }
}

interface HttpErrorShape {
  status: number;
  type: string | undefined;
  expose: boolean;
  message: string;
  syntax: boolean;
}

/**
 * Errors of the body parser stack (raw-body, co-body, inflation) and of koa's `ctx.throw` carry an
 * HTTP status; only client-side ones (4xx) are refusals. Their messages are not shown unless the
 * thrower marked them exposable, and a malformed body's text (`err.body`) is never looked at.
 */
function httpErrorShape(err: unknown): HttpErrorShape | null {
  if (!(err instanceof Error)) return null;
  const record = err as Error & { status?: unknown; statusCode?: unknown; type?: unknown; expose?: unknown };
  const status = typeof record.status === 'number' ? record.status : typeof record.statusCode === 'number' ? record.statusCode : null;
  if (status === null || status < 400 || status > 499) return null;
  return {
    status,
    type: typeof record.type === 'string' ? record.type : undefined,
    expose: record.expose === true,
    message: err.message,
    syntax: err instanceof SyntaxError,
  };
}

function failureFromHttpError(e: HttpErrorShape): Failure {
  if (e.syntax || e.type === 'entity.parse.failed') return { code: 'malformed_request', message: 'request body is not valid JSON' };
  if (e.type === 'request.aborted' || e.type === 'request.size.invalid') return { code: 'malformed_request', message: 'request body was incomplete' };
  if (e.status === 413) return { code: 'payload_too_large', message: 'request body is too large' };
  if (e.status === 415) return { code: 'unsupported_media_type', message: 'request body encoding is not supported' };
  const shown = (fallback: string): string => (e.expose && e.message ? e.message : fallback);
  switch (e.status) {
    case 401:
      return { code: 'unauthenticated', message: shown('authentication required') };
    case 403:
      return { code: 'forbidden', message: shown('forbidden') };
    case 404:
      return { code: 'not_found', message: shown('not found') };
    case 405:
      return { code: 'method_not_allowed', message: shown('method not allowed') };
    case 409:
      return { code: 'conflict', message: shown('conflict') };
    case 422:
      return { code: 'validation_failed', message: shown('invalid request') };
    case 423:
      return { code: 'account_locked', message: shown('locked') };
    case 429:
      return { code: 'rate_limited', message: shown('too many requests') };
    default:
      return { code: 'malformed_request', message: shown('bad request') };
  }
}

function issuesFrom(raw: unknown): ValidationIssue[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const issues: ValidationIssue[] = [];
  for (const item of raw) {
    if (item === null || typeof item !== 'object') continue;
    const { path, message } = item as { path?: unknown; message?: unknown };
    if (typeof path !== 'string' || typeof message !== 'string') continue;
    const where = (item as { in?: unknown }).in;
    issues.push({ in: where === 'query' || where === 'params' ? where : 'body', path, message });
  }
  return issues;
}

/** Field → messages, the shape Laravel clients and form UIs expect. A whole-part issue is keyed by the part. */
export function issuesByField(issues: readonly ValidationIssue[]): Record<string, string[]> {
  // Null prototype: a refused field named `__proto__` or `constructor` is a key like any other.
  const byField: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const issue of issues) {
    const field = issue.path || issue.in;
    (byField[field] ??= []).push(issue.message);
  }
  return byField;
}
