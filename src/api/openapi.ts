import type { JsonSchema, MultipartBodyDefinition, ResponseDefinition } from './route';
import { mountedRoutes, type MountedRoute } from './surface-router';
import type { Surface } from './surface';

/** Security scheme objects the surfaces share, so every document spells them the same way. */
export const bearerJwtScheme = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } as const;
export const headerApiKeyScheme = (header: string, description?: string) =>
  ({ type: 'apiKey', in: 'header', name: header, ...(description ? { description } : {}) }) as const;

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

type JsonObject = Record<string, unknown>;

/**
 * The OpenAPI 3.1 description of every surface, built from the same route definitions that
 * validate requests, so the document cannot drift from what the server accepts.
 */
export function buildOpenApiDocument(surfaces: readonly Surface[], info: OpenApiInfo): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const securitySchemes: Record<string, JsonObject> = {};
  const tags = new Map<string, string | undefined>();
  const operationIds = new Set<string>();
  const groups = new Map<string, Set<string>>();

  for (const surface of surfaces) {
    for (const [key, scheme] of Object.entries(surface.securitySchemes ?? {})) {
      const known = securitySchemes[key];
      if (known && JSON.stringify(known) !== JSON.stringify(scheme.openapi)) {
        throw new Error(`security scheme "${key}" is defined differently by two surfaces`);
      }
      securitySchemes[key] = scheme.openapi;
    }
    // A route's first mount carries its operationId; further mounts are aliases of it.
    const described = new Set<unknown>();
    for (const mounted of mountedRoutes(surface)) {
      const path = toOpenApiPath(mounted.template);
      const method = mounted.route.definition.method;
      const operation = describeOperation(surface, mounted, described.has(mounted.route));
      described.add(mounted.route);
      const id = String(operation.operationId);
      if (operationIds.has(id)) throw new Error(`duplicate operationId "${id}"`);
      operationIds.add(id);
      const group = surface.group ?? surface.name;
      operation['x-group'] = group;
      const groupTags = groups.get(group) ?? groups.set(group, new Set()).get(group)!;
      for (const tag of mounted.route.definition.tags) {
        if (!tags.has(tag)) tags.set(tag, undefined);
        groupTags.add(tag);
      }
      const item = (paths[path] ??= {});
      if (item[method]) throw new Error(`${method.toUpperCase()} ${path} is defined twice`);
      item[method] = operation;
    }
  }

  const document: JsonObject = {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    tags: [...tags.keys()].sort().map((name) => ({ name })),
    // Redoc's and Scalar's extension: one group per product surface, in the order surfaces are mounted.
    'x-tagGroups': [...groups].map(([name, groupTags]) => ({ name, tags: [...groupTags].sort() })),
    paths,
  };
  if (Object.keys(securitySchemes).length > 0) document.components = { securitySchemes };
  return document;
}

const IDEMPOTENCY_KEY_PARAMETER: JsonObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the same key with the same request answers the first outcome again (Idempotent-Replayed: true) and writes nothing; with another request 422; while the first still runs 409. Keys are per caller, kept 24 h by default (IDEMPOTENCY_KEY_TTL_SECONDS).',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
};

/** `/users/:id` → `/users/{id}`. */
export function toOpenApiPath(template: string): string {
  return template.replace(/[:*]([A-Za-z_$][A-Za-z0-9_$]*)/g, '{$1}');
}

function describeOperation(surface: Surface, mounted: MountedRoute, isAlias: boolean): JsonObject {
  const { definition } = mounted.route;
  const generatedId = `${surface.name}.${definition.method}${definition.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`;
  const baseId = definition.operationId ?? generatedId;
  const operation: JsonObject = {
    operationId: isAlias ? `${baseId}@${mounted.template}` : baseId,
    summary: definition.summary,
    tags: definition.tags,
  };
  if (definition.description) operation.description = definition.description;
  if (definition.deprecated) operation.deprecated = true;

  const parameters = [...pathParameters(mounted.template, definition.request?.params), ...queryParameters(definition.request?.query)];
  if (surface.idempotency?.applies(definition.method.toUpperCase(), mounted.template)) parameters.push(IDEMPOTENCY_KEY_PARAMETER);
  if (parameters.length > 0) operation.parameters = parameters;

  const body = definition.request?.body;
  const raw = definition.request?.raw;
  const multipart = definition.request?.multipart;
  if (body) operation.requestBody = { required: true, content: { 'application/json': { schema: clean(body) } } };
  else if (multipart) operation.requestBody = { required: true, content: { 'multipart/form-data': multipartContent(multipart) } };
  else if (raw) {
    const content = Object.fromEntries(raw.mediaTypes.map((type) => [type, { schema: { type: 'string' } }]));
    operation.requestBody = { required: true, content, ...(raw.description ? { description: raw.description } : {}) };
  }

  operation.responses = responses(surface, definition.responses, mounted.securityKey !== null);
  operation.security = mounted.securityKey ? [{ [mounted.securityKey]: [] }] : [];
  return operation;
}

function pathParameters(template: string, schema: JsonSchema | undefined): JsonObject[] {
  const properties = propertiesOf(schema);
  return [...template.matchAll(/[:*]([A-Za-z_$][A-Za-z0-9_$]*)/g)].map(([, name]) => {
    const property = properties[name!];
    return {
      name,
      in: 'path',
      required: true,
      schema: property ? clean(property) : { type: 'string' },
      ...(typeof property?.description === 'string' ? { description: property.description } : {}),
    };
  });
}

function queryParameters(schema: JsonSchema | undefined): JsonObject[] {
  const required = Array.isArray(schema?.required) ? (schema.required as string[]) : [];
  return Object.entries(propertiesOf(schema)).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    schema: clean(property),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

function responses(surface: Surface, declared: { [status: number]: ResponseDefinition }, secured: boolean): JsonObject {
  const docs = surface.envelope.openapi;
  const errorContent = { [docs.errorMediaType]: { schema: docs.error } };
  const result: JsonObject = {};
  for (const [status, response] of Object.entries(declared)) {
    const code = Number(status);
    if (code >= 200 && code < 300) {
      if (response.mediaType) {
        result[status] = {
          description: response.description,
          content: { [response.mediaType]: { schema: response.schema ? clean(response.schema) : { type: 'string' } } },
        };
      } else if (code === 204) {
        result[status] = { description: response.description };
      } else {
        const success = docs.success(response.schema ? clean(response.schema) : undefined);
        const schema = docs.errorsUseHttp200 && code === 200 ? { anyOf: [success, docs.error] } : success;
        result[status] = { description: response.description, content: { 'application/json': { schema } } };
      }
    } else {
      const content = response.mediaType ? { [response.mediaType]: { schema: response.schema ? clean(response.schema) : { type: 'string' } } } : errorContent;
      result[status] = { description: response.description, content };
    }
  }
  for (const status of docs.errorStatuses) {
    if (!secured && (status === 401 || status === 403)) continue;
    result[String(status)] ??= { description: 'Refused; the body says why', content: errorContent };
  }
  if (docs.errorsUseHttp200 && !result['200']) {
    result['200'] = { description: 'Refused; HTTP 200 with the error envelope', content: { 'application/json': { schema: docs.error } } };
  }
  return result;
}

/** One form schema: the text fields as declared, each file as a binary string with its part's encoding. */
function multipartContent(multipart: MultipartBodyDefinition): JsonObject {
  const fields = clean(multipart.fields);
  const files = Object.entries(multipart.files);
  const required = [...(Array.isArray(fields.required) ? (fields.required as string[]) : []), ...files.filter(([, f]) => f.required).map(([name]) => name)];
  const schema: JsonObject = {
    ...fields,
    type: 'object',
    properties: { ...propertiesOf(fields), ...Object.fromEntries(files.map(([name, f]) => [name, { type: 'string', format: 'binary', contentMediaType: 'application/octet-stream', description: f.description }])) },
    ...(required.length ? { required } : {}),
  };
  return { schema, encoding: Object.fromEntries(files.map(([name]) => [name, { contentType: '*/*' }])) };
}

function propertiesOf(schema: JsonSchema | undefined): Record<string, JsonSchema> {
  const properties = schema?.properties;
  return properties && typeof properties === 'object' ? (properties as Record<string, JsonSchema>) : {};
}

/** Drops keywords that only mean something to the validator's dialect. */
function clean(schema: JsonSchema): JsonSchema {
  if (!('$schema' in schema)) return schema;
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
