import Ajv, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { DomainError } from '../commands/domain-error';
import type { ValidationIssue } from './failure';
import type { JsonSchema, RouteRequestDefinition } from './route';
import { addStorageFormats, withSafeIntegers } from './schema-limits';
import { unstorableTextIssues } from './storable-text';

const baseOptions: Options = {
  allErrors: true,
  useDefaults: true,
  // Unknown keywords are typos that would silently validate nothing; unions are legitimate.
  strictSchema: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  allowUnionTypes: true,
  // Routes built by factories compile a fresh copy of the same schema per app; a shared `$id` must not clash.
  addUsedSchema: false,
};

function createAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...baseOptions, ...options });
  addFormats(ajv);
  addStorageFormats(ajv);
  // OpenAPI's annotation keyword; harmless to validation.
  ajv.addKeyword({ keyword: 'example', schemaType: ['string', 'number', 'boolean', 'object', 'array', 'null'] });
  return ajv;
}

/** JSON bodies arrive typed: a string where an integer belongs is the client's mistake. */
const bodyAjv = createAjv({ coerceTypes: false });
/** Query strings and path parameters are always text: `?limit=10` means the integer 10, `?tag=a` a one-item array. */
const textAjv = createAjv({ coerceTypes: 'array' });

export interface RequestValidators {
  body?: ValidateFunction;
  query?: ValidateFunction;
  params?: ValidateFunction;
}

export function compileRequestValidators(request: RouteRequestDefinition, where: string): RequestValidators {
  const compile = (ajv: Ajv, part: string, schema: JsonSchema | undefined): ValidateFunction | undefined => {
    if (!schema) return undefined;
    try {
      return ajv.compile(withSafeIntegers(schema));
    } catch (err) {
      throw new Error(`route ${where}: ${part} schema does not compile: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const validators: RequestValidators = {};
  const body = compile(bodyAjv, 'body', request.body ?? request.multipart?.fields);
  const query = compile(textAjv, 'query', request.query);
  const params = compile(textAjv, 'params', request.params);
  if (body) validators.body = body;
  if (query) validators.query = query;
  if (params) validators.params = params;
  return validators;
}

/** The parts of a request a route's schemas judge. Query and params are copies: coercion rewrites them. */
export interface RequestParts {
  body: unknown;
  query: Record<string, unknown>;
  params: Record<string, unknown>;
  /** A raw route's body text, and an upload's file names: no schema judges them, but they are stored. */
  raw?: string;
  files?: Readonly<Record<string, { fileName: string; contentType: string }>>;
}

/**
 * Validates (and for query/params, coerces) every part at once, so the caller hears about all its
 * mistakes in one answer. Throws DomainError('validation_failed') with `details.errors`.
 */
export function validateRequestParts(validators: RequestValidators, parts: RequestParts): void {
  const issues: ValidationIssue[] = [
    ...unstorableTextIssues('params', parts.params),
    ...unstorableTextIssues('query', parts.query),
    ...unstorableTextIssues('body', parts.body),
    ...(parts.raw === undefined ? [] : unstorableTextIssues('body', parts.raw)),
    ...(parts.files === undefined ? [] : unstorableTextIssues('body', Object.fromEntries(Object.entries(parts.files).map(([name, f]) => [name, [f.fileName, f.contentType]])))),
  ];
  // Unstorable text is refused as such; the schema's opinion of the same values would only repeat it.
  if (issues.length > 0) throw refusal(issues);
  if (validators.params && !validators.params(parts.params)) issues.push(...toIssues('params', validators.params.errors));
  if (validators.query && !validators.query(parts.query)) issues.push(...toIssues('query', validators.query.errors));
  if (validators.body) {
    if (parts.body === undefined || parts.body === '') issues.push({ in: 'body', path: '', message: 'is required' });
    else if (!validators.body(parts.body)) issues.push(...toIssues('body', validators.body.errors));
  }
  if (issues.length > 0) throw refusal(issues);
}

function refusal(issues: ValidationIssue[]): DomainError {
  const shown = issues.slice(0, MAX_ISSUES);
  return new DomainError('validation_failed', shown.map(describeIssue).join('; '), { errors: shown });
}

const MAX_ISSUES = 20;

function describeIssue(issue: ValidationIssue): string {
  const subject = issue.path || (issue.in === 'body' ? 'request body' : issue.in);
  return `${subject} ${issue.message}`;
}

function toIssues(part: ValidationIssue['in'], errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of errors ?? []) {
    const issue = toIssue(part, error);
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function toIssue(part: ValidationIssue['in'], error: ErrorObject): ValidationIssue {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  let message: string;
  switch (error.keyword) {
    case 'required':
      segments.push(String(params.missingProperty));
      message = 'is required';
      break;
    case 'additionalProperties':
      segments.push(String(params.additionalProperty));
      message = 'is not allowed';
      break;
    case 'type':
      message = `must be ${String(params.type).replace(/,/g, ' or ')}`;
      break;
    case 'enum':
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'const':
      message = `must be ${JSON.stringify(params.allowedValue)}`;
      break;
    case 'format':
      message = `must be a valid ${String(params.format)}`;
      break;
    case 'minLength':
      message = `must be at least ${String(params.limit)} characters`;
      break;
    case 'maxLength':
      message = `must be at most ${String(params.limit)} characters`;
      break;
    case 'minItems':
      message = `must have at least ${String(params.limit)} items`;
      break;
    case 'maxItems':
      message = `must have at most ${String(params.limit)} items`;
      break;
    default:
      message = error.message ?? 'is invalid';
  }
  return { in: part, path: segments.join('.'), message };
}
