import type { JsonSchema, RouteContext } from '../route';

/** What Laravel's JsonResponse sends: the template's client compares the whole header with this. */
export const LARAVEL_JSON = 'application/json';

/**
 * HTTP 200 with `status: "error"`: how the template refuses what its pages show as a toast or a
 * line of text and then act on (wrong password, a QR code not scanned yet, a code not accepted).
 * Any other status sends the template's pages to their error screen instead.
 */
export function laravelRefusal(ctx: Pick<RouteContext, 'status' | 'body' | 'set'>, message: string): void {
  ctx.status = 200;
  ctx.body = { status: 'error', message, data: null, errors: null, code: 0 };
  ctx.set('Content-Type', LARAVEL_JSON);
}

/** The words the template's pages show when a sign-in is refused for the account's sake. */
export const ACCOUNT_LOCKED = '错误次数过多，账号已被锁定，请10分钟后再试';
export const ACCOUNT_DISABLED = '账号已被禁用';

export const refusalSchema = (messages: string[]): JsonSchema => ({
  type: 'object',
  required: ['status', 'message', 'data', 'errors', 'code'],
  properties: { status: { const: 'error' }, message: { enum: messages }, data: { type: 'null' }, errors: { type: 'null' }, code: { const: 0 } },
});

/**
 * PHP's truthiness, which the template applies to the JSON it reads: false, 0, "", "0", null and
 * empty arrays or objects are false; anything else (the phone page sends its click event) is true.
 */
export function phpTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '' || value === '0') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** A JSON value the template would read as text: strings as sent, numbers as their digits, anything else absent. */
export function laxText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
