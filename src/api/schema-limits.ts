import type Ajv from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats';
import type { JsonSchema } from './route';

/**
 * What our storage can hold, applied to every route's schemas so no route has to remember it:
 * - an integer without bounds is a safe integer (`99999999999999999999` is read as 1e20, an
 *   "integer" to JSON Schema, and overflows every PostgreSQL integer type);
 * - a `date-time` is one JavaScript and PostgreSQL can represent: RFC 3339 allows 23:59:60 and
 *   year 0000, and `new Date()` of either is Invalid Date or a year PostgreSQL does not have.
 */

const rfc3339 = (fullFormats['date-time'] as { validate: (text: string) => boolean }).validate;

export function isUsableDateTime(text: string): boolean {
  return rfc3339(text) && !/^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:60/.test(text) && !text.startsWith('0000') && Number.isFinite(Date.parse(text));
}

export function addStorageFormats(ajv: Ajv): void {
  ajv.addFormat('date-time', { type: 'string', validate: isUsableDateTime });
}

const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const SUBSCHEMA = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'];

/** A copy of `schema` in which every integer without a bound gets the safe-integer one. */
export function withSafeIntegers(schema: JsonSchema): JsonSchema {
  const copy: Record<string, unknown> = { ...schema };
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('integer')) {
    if (schema.maximum === undefined && schema.exclusiveMaximum === undefined) copy.maximum = Number.MAX_SAFE_INTEGER;
    if (schema.minimum === undefined && schema.exclusiveMinimum === undefined) copy.minimum = Number.MIN_SAFE_INTEGER;
  }
  for (const key of SUBSCHEMA_LISTS) if (Array.isArray(schema[key])) copy[key] = (schema[key] as JsonSchema[]).map(withSafeIntegers);
  for (const key of SUBSCHEMA) if (isSchema(schema[key])) copy[key] = withSafeIntegers(schema[key] as JsonSchema);
  for (const key of SUBSCHEMA_MAPS) {
    if (isSchema(schema[key])) copy[key] = Object.fromEntries(Object.entries(schema[key] as Record<string, JsonSchema>).map(([name, s]) => [name, isSchema(s) ? withSafeIntegers(s) : s]));
  }
  return copy;
}

const isSchema = (value: unknown): value is JsonSchema => value !== null && typeof value === 'object' && !Array.isArray(value);
