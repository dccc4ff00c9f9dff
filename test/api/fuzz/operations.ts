import fc from 'fast-check';

/**
 * The service's operations as its own `/openapi.json` describes them, each with a plausible request
 * built from its schemas and the places in that request where hostile input can be put.
 */

export type SurfaceName = 'insight' | 'laravel' | 'wxcomponent' | 'bitanswer' | 'v1' | 'operations';

type Schema = Record<string, unknown>;

export interface Operation {
  id: string;
  method: string;
  template: string;
  surface: SurfaceName;
  /** The security scheme key, or null for a public operation. */
  security: string | null;
  params: Record<string, Schema>;
  query: Record<string, Schema>;
  body?: { kind: 'json' | 'raw' | 'multipart'; mediaType: string; schema: Schema };
  /** Statuses documented, and whether any answer is documented as something other than JSON. */
  statuses: Set<string>;
  answersNonJson: boolean;
}

/** Where a hostile value goes: a leaf (or the whole part) at `path`, or a new key added under `path`. */
export interface Location {
  part: 'params' | 'query' | 'body';
  path: string[];
  schema: Schema;
  addKey?: string;
}

const SURFACE_PREFIXES: Array<[string, SurfaceName]> = [
  ['/base/auth/v1.0', 'insight'],
  ['/bitanswer/api', 'bitanswer'],
  ['/api', 'laravel'],
  ['/v1', 'v1'],
  ['/auth', 'wxcomponent'],
  ['/admin', 'wxcomponent'],
  ['/wxcomponent', 'wxcomponent'],
  ['/wxcallback', 'wxcomponent'],
  ['/authpage', 'wxcomponent'],
];

function surfaceOf(path: string): SurfaceName {
  const found = SURFACE_PREFIXES.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
  return found ? found[1] : 'operations';
}

export function operationsOf(document: { paths: Record<string, Record<string, Schema>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const parameters = (op.parameters ?? []) as Array<{ name: string; in: string; schema: Schema }>;
      const params = Object.fromEntries(parameters.filter((p) => p.in === 'path').map((p) => [p.name, p.schema]));
      const query = Object.fromEntries(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.schema]));
      const content = (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content ?? {};
      const [mediaType, media] = Object.entries(content)[0] ?? [];
      const responses = op.responses as Record<string, { content?: Record<string, unknown> }>;
      const operation: Operation = {
        id: String(op.operationId),
        method: method.toUpperCase(),
        template: path,
        surface: surfaceOf(path),
        security: ((op.security as Array<Record<string, unknown>>)[0] && Object.keys((op.security as Array<Record<string, unknown>>)[0]!)[0]) || null,
        params,
        query,
        statuses: new Set(Object.keys(responses)),
        answersNonJson: Object.values(responses).some((r) => Object.keys(r.content ?? {}).some((type) => !type.includes('json'))),
      };
      if (mediaType && media) {
        const kind = mediaType === 'application/json' ? 'json' : mediaType === 'multipart/form-data' ? 'multipart' : 'raw';
        operation.body = { kind, mediaType, schema: media.schema };
      }
      operations.push(operation);
    }
  }
  return operations;
}

/** A value the schema accepts, as far as a generic reading can tell: hostile values are set into it. */
export function sample(schema: Schema, depth = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.example !== undefined) return schema.example;
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives?.length) return sample(alternatives[0]!, depth);
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  const type = types.find((t) => t !== 'null') ?? (schema.properties ? 'object' : 'string');
  switch (type) {
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return depth > 4 ? [] : [sample((schema.items as Schema | undefined) ?? {}, depth + 1)];
    case 'object': {
      if (depth > 4) return {};
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      return Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, sample(s, depth + 1)]));
    }
    default:
      return sampleString(schema);
  }
}

function sampleString(schema: Schema): string {
  switch (schema.format) {
    case 'date-time':
      return new Date(Date.UTC(2026, 0, 1)).toISOString();
    case 'date':
      return '2026-01-01';
    case 'email':
      return 'fuzz@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    default: {
      // A value the pattern takes, so the hostile value beside it is what the route judges.
      if (typeof schema.pattern === 'string') return fc.sample(fc.stringMatching(new RegExp(schema.pattern, 'u')), { seed: 1, numRuns: 1 })[0]!;
      const min = typeof schema.minLength === 'number' ? schema.minLength : 1;
      return 'x'.repeat(Math.max(1, Math.min(min, 64)));
    }
  }
}

/** Every place of the operation's request a hostile value can be put. */
export function locationsOf(op: Operation): Location[] {
  const locations: Location[] = [];
  for (const [name, schema] of Object.entries(op.params)) locations.push({ part: 'params', path: [name], schema });
  for (const [name, schema] of Object.entries(op.query)) locations.push({ part: 'query', path: [name], schema });
  locations.push({ part: 'query', path: [], schema: {}, addKey: 'fuzz' });
  if (op.body && op.body.kind !== 'raw') {
    const walk = (schema: Schema, path: string[], depth: number) => {
      locations.push({ part: 'body', path, schema });
      if (depth > 3) return;
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      // A file part carries bytes, not text: the fuzz's text never goes into it.
      for (const [name, s] of Object.entries(properties)) if (s.format !== 'binary') walk(s, [...path, name], depth + 1);
      if (schema.items && typeof schema.items === 'object') walk(schema.items as Schema, [...path, '0'], depth + 1);
    };
    walk(op.body.schema, [], 0);
    if (op.body.kind === 'json') locations.push({ part: 'body', path: [], schema: {}, addKey: 'fuzz' });
  }
  if (op.body?.kind === 'raw') locations.push({ part: 'body', path: [], schema: { type: 'string' } });
  return locations;
}
