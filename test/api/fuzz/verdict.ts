import type { Operation, SurfaceName } from './operations';

/** An answer as the fuzz spec judges it. */
export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** The body as an object, when it is one. */
  json: Record<string, unknown> | undefined;
  /** Whether the body is JSON at all (`/v1` lists answer a bare array). */
  isJson: boolean;
}

const sortedKeys = (json: Record<string, unknown>) => Object.keys(json).sort().join(',');

/**
 * What is wrong with an answer, or null: a 5xx (but a documented 503), an internal error inside a
 * 200 envelope, or an answer outside the surface's envelope.
 */
export function defectOf(op: Operation, answer: Answer): string | null {
  if (answer.status >= 500 && !(answer.status === 503 && op.statuses.has('503'))) return `HTTP ${answer.status}`;
  const json = answer.json;
  if (!json && answer.isJson && op.surface === 'v1' && answer.status < 400) return null;
  if (!json) return op.answersNonJson || answer.status === 204 || answer.status === 304 ? null : 'answer is not JSON';
  if (/\n\s+at |node_modules/.test(answer.text)) return 'stack trace in the answer';
  switch (op.surface) {
    case 'insight':
      if (sortedKeys(json) !== 'code,data,message,option,success') return 'not an Insight envelope';
      return json.code === 500 ? 'Insight code 500' : null;
    case 'laravel':
      return sortedKeys(json) === 'code,data,errors,message,status' ? null : 'not a Laravel envelope';
    case 'wxcomponent':
      if (sortedKeys(json) !== 'code,data,errorMsg') return op.answersNonJson ? null : 'not a wxcomponent envelope';
      return json.code === 1002 ? `wxcomponent code 1002 (${String(json.errorMsg)})` : null;
    case 'bitanswer': {
      const keys = sortedKeys(json);
      if (keys !== 'msg,status' && keys !== 'data,status') return 'not a BitAnswer envelope';
      return json.status === 500 ? 'BitAnswer status 500' : null;
    }
    case 'operations':
      return null;
    case 'v1':
      if (answer.status >= 400 && !(answer.contentType.startsWith('application/problem+json') && typeof json.code === 'string')) return 'not problem+json';
      return null;
  }
}

/** Whether the answer is a refusal of the input itself (schema, JSON, media type, size): such a request must write nothing. */
export function refusedAsInput(surface: SurfaceName, answer: Answer): boolean {
  const json = answer.json ?? {};
  switch (surface) {
    case 'insight':
      return json.success === false && json.code === 430;
    case 'laravel':
      return [413, 415, 422].includes(answer.status) || (answer.status === 400 && json.message === '请求数据不是有效的JSON');
    case 'wxcomponent':
      return json.code === 1001 && answer.status === 200;
    case 'bitanswer':
      return [400, 413, 415].includes(json.status as number);
    case 'v1':
    case 'operations':
      return ['validation_failed', 'malformed_request', 'unsupported_media_type', 'payload_too_large'].includes(json.code as string);
  }
}

/** Whether the answer says the caller's credential is not (or no longer) good. */
export function refusedCredential(surface: SurfaceName, answer: Answer): boolean {
  const json = answer.json ?? {};
  switch (surface) {
    case 'insight':
      return json.success === false && (json.code === 421 || json.code === 422);
    case 'wxcomponent':
      return json.code === 1003 || json.code === 1004;
    case 'bitanswer':
      return json.status === 401;
    default:
      return answer.status === 401;
  }
}

/** Whether the answer is a rate limit (Insight's live interface configs apply one before the request is read). */
export function rateLimited(surface: SurfaceName, answer: Answer): boolean {
  const json = answer.json ?? {};
  switch (surface) {
    case 'insight':
      return json.success === false && json.code === 490;
    case 'wxcomponent':
      return json.code === 1011;
    case 'bitanswer':
      return json.status === 429;
    default:
      return answer.status === 429;
  }
}
