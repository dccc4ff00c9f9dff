import type { SessionLogFilter } from '../../projections/licenses/queries';
import { DomainError } from '../../commands/domain-error';
import { sessionStatuses } from '../../commands/licenses/events';

/**
 * The vendor's log query language, checked against a whitelist before any SQL exists: field names
 * map to fixed columns, ops to fixed operators, and every value becomes a bound parameter. A
 * refusal names the field, op or value, never SQL.
 */
export interface LogQuery {
  name: string;
  op: string;
  values: Array<string | number>;
}
export interface LogSort {
  name: string;
  order: string;
}

type Kind = 'time' | 'integer' | 'status' | 'text';
/** error_code is a PostgreSQL integer; the bigint columns hold any safe integer. */
const INT4: [number, number] = [-2147483648, 2147483647];
// Maps, not object literals: a client's `constructor` or `__proto__` must not find Object.prototype's members.
const FIELDS = new Map<string, { column: string; kind: Kind; range?: [number, number] }>([
  ['startTime', { column: 'start_time', kind: 'time' }],
  ['endTime', { column: 'end_time', kind: 'time' }],
  ['errorCode', { column: 'error_code', kind: 'integer', range: INT4 }],
  ['status', { column: 'status', kind: 'status' }],
  ['fkUserId', { column: 'fk_user_id', kind: 'integer' }],
  ['uid', { column: 'uid', kind: 'integer' }],
  ['loginName', { column: 'login_name', kind: 'text' }],
]);
const SORTS = new Map<string, string>([
  ['startTime', 'start_time'],
  ['endTime', 'end_time'],
  ['fkUserId', 'fk_user_id'],
  ['uid', 'uid'],
]);
const OPS = ['=', '<>', '>', '>=', '<', '<='] as const;
export const queryFields = [...FIELDS.keys()];
export const sortFields = [...SORTS.keys()];
export const queryOps = [...OPS, 'like'];

/** Times in the vendor's format, read as China Standard Time (UTC+8, no daylight saving), as the vendor's back office shows them. */
const TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const CST_OFFSET_MS = 8 * 3600 * 1000;

export function parseLogTime(value: string): Date | null {
  const m = TIME.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(utc);
  // Reject 2023-02-30 and 25:00:00: the date must survive the round trip unchanged.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi) return null;
  return new Date(utc - CST_OFFSET_MS);
}

export function formatLogTime(date: Date): string {
  return new Date(date.getTime() + CST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** A checked condition, as the licenses queries apply it. */
export type CheckedFilter = SessionLogFilter;

const refuse = (message: string) => new DomainError('validation_failed', message);

function checkValue(name: string, field: { kind: Kind; range?: [number, number] }, op: string, value: string | number): string | number | Date {
  const kind = field.kind;
  if (kind === 'time') {
    const t = typeof value === 'string' ? parseLogTime(value) : null;
    if (!t) throw refuse(`${name}: ${JSON.stringify(value)} is not a time in the form yyyy-MM-dd HH:mm:ss`);
    return t;
  }
  if (kind === 'integer') {
    const n = typeof value === 'number' ? value : /^-?\d{1,15}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n)) throw refuse(`${name}: ${JSON.stringify(value)} is not an integer`);
    if (field.range && (n < field.range[0] || n > field.range[1])) throw refuse(`${name}: ${JSON.stringify(value)} is out of range`);
    return n;
  }
  if (typeof value !== 'string') throw refuse(`${name}: ${JSON.stringify(value)} is not a string`);
  if (kind === 'status' && op !== 'like' && !(sessionStatuses as string[]).includes(value)) {
    throw refuse(`status: ${JSON.stringify(value)} is not one of ${sessionStatuses.join(', ')}`);
  }
  // PostgreSQL's LIKE takes \\ as its escape; a pattern ending in an unpaired one is an error there, so it is refused here.
  if (op === 'like' && /(^|[^\\])(\\\\)*\\$/.test(value)) throw refuse(`${name}: ${JSON.stringify(value)} ends with an unpaired \\ escape`);
  return value;
}

export function checkQuery(querys: readonly LogQuery[], sorts: readonly LogSort[]): { filters: CheckedFilter[]; order: Array<{ column: string; order: 'asc' | 'desc' }> } {
  const filters = querys.map((q) => {
    const field = FIELDS.get(q.name);
    if (!field) throw refuse(`cannot query by ${JSON.stringify(q.name)}; use one of ${queryFields.join(', ')}`);
    if (!queryOps.includes(q.op)) throw refuse(`unknown op ${JSON.stringify(q.op)}; use one of ${queryOps.join(' ')}`);
    if (q.op === 'like' && field.kind !== 'text' && field.kind !== 'status') throw refuse(`like applies to loginName and status, not ${q.name}`);
    return { column: field.column, op: q.op, values: q.values.map((v) => checkValue(q.name, field, q.op, v)) };
  });
  const order = sorts.map((s) => {
    const column = SORTS.get(s.name);
    if (!column) throw refuse(`cannot sort by ${JSON.stringify(s.name)}; use one of ${sortFields.join(', ')}`);
    const dir = s.order.toUpperCase();
    if (dir !== 'ASC' && dir !== 'DESC') throw refuse(`sort order must be ASC or DESC, not ${JSON.stringify(s.order)}`);
    return { column, order: dir === 'ASC' ? ('asc' as const) : ('desc' as const) };
  });
  return { filters, order };
}

