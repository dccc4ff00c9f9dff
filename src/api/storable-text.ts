import type { ValidationIssue } from './failure';

/**
 * Text PostgreSQL cannot keep: `text` and `jsonb` refuse U+0000, and a lone UTF-16 surrogate is not
 * text at all (jsonb rejects its escape; UTF-8 can only replace it). Such input is refused with
 * the request's other validation errors, before any command runs, wherever it sits: a value, an
 * object key, an unknown field, a raw body.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

const MESSAGE = 'must not contain a NUL character or a lone UTF-16 surrogate';

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** Each place in `value` (walked without recursion, so deep nesting cannot overflow the stack) holding unstorable text. */
export function unstorableTextIssues(part: ValidationIssue['in'], value: unknown, limit = 20): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const pending: Array<{ node: unknown; path: string }> = [{ node: value, path: '' }];
  const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
  while (pending.length > 0 && issues.length < limit) {
    const { node, path } = pending.pop()!;
    if (typeof node === 'string') {
      if (!isStorableText(node)) issues.push({ in: part, path, message: MESSAGE });
      continue;
    }
    if (node === null || typeof node !== 'object' || Buffer.isBuffer(node)) continue;
    for (const key of Object.keys(node)) {
      if (!isStorableText(key)) {
        issues.push({ in: part, path: join(path, key.replace(UNSTORABLE_ALL, '?')), message: `name ${MESSAGE}` });
        continue;
      }
      pending.push({ node: (node as Record<string, unknown>)[key], path: join(path, key) });
    }
  }
  return issues;
}
