import assert from 'node:assert/strict';
import { DomainError } from '../../src/commands/domain-error';
import { compileRequestValidators, validateRequestParts, type RequestParts } from '../../src/api/request-validation';
import { isStorableText, unstorableTextIssues } from '../../src/api/storable-text';

const anyBody = compileRequestValidators({ body: { type: 'object' }, query: { type: 'object' }, params: { type: 'object' } }, 'POST /things');
const parts = (change: Partial<RequestParts>): RequestParts => ({ body: {}, query: {}, params: {}, ...change });

/** The issues of the validation_failed refusal `fn` throws. */
function refusalIssues(fn: () => unknown): Array<{ in: string; path: string; message: string }> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DomainError && err.code === 'validation_failed', String(err));
    return err.details!.errors as Array<{ in: string; path: string; message: string }>;
  }
  assert.fail('not refused');
}

describe('Text PostgreSQL cannot keep (NUL, lone UTF-16 surrogates) is refused at validation, wherever it is', () => {
  it('tells unstorable text from text with emoji, other control characters and replacement characters', () => {
    for (const bad of ['\u0000', 'a\u0000', '\ud800', 'x\udfffy', '\udc00\ud800', 'a\ud83d']) assert.equal(isStorableText(bad), false, JSON.stringify(bad));
    for (const good of ['', 'plain', '😀', 'a\u0001\u001f\u007f', '\ufffd', '中文']) assert.equal(isStorableText(good), true, JSON.stringify(good));
  });

  it('refuses a NUL in a body value, in a nested one and in a key, naming each place', () => {
    const issues = refusalIssues(() => validateRequestParts(anyBody, parts({ body: { name: 'a\u0000b', items: [{ note: 'ok' }, { note: '\u0000' }], ['k\u0000']: 1 } })));
    assert.deepEqual(issues.map((i) => `${i.in}:${i.path}`).sort(), ['body:items.1.note', 'body:k?', 'body:name']);
    assert.match(issues[0]!.message, /NUL character or a lone UTF-16 surrogate/);
  });

  it('refuses lone surrogates in the query, the path parameters and a bare string body', () => {
    assert.deepEqual(refusalIssues(() => validateRequestParts(anyBody, parts({ query: { q: '\ud800' } }))).map((i) => `${i.in}:${i.path}`), ['query:q']);
    assert.deepEqual(refusalIssues(() => validateRequestParts(anyBody, parts({ params: { id: 'x\udc00' } }))).map((i) => `${i.in}:${i.path}`), ['params:id']);
    const bare = compileRequestValidators({ body: { type: 'string' } }, 'DELETE /things');
    assert.deepEqual(refusalIssues(() => validateRequestParts(bare, parts({ body: '\ud800' }))).map((i) => `${i.in}:${i.path}`), ['body:']);
  });

  it('refuses it even where no schema looks: unknown fields, a raw body, an upload’s file name', () => {
    const none = compileRequestValidators({}, 'POST /raw');
    assert.equal(refusalIssues(() => validateRequestParts(none, parts({ query: { unknown: '\u0000' } }))).length, 1);
    assert.equal(refusalIssues(() => validateRequestParts(none, parts({ raw: '<xml>\u0000</xml>' }))).length, 1);
    const upload = { file: { fileName: 'a\u0000.png', contentType: 'image/png' } };
    assert.deepEqual(refusalIssues(() => validateRequestParts(none, parts({ files: upload }))).map((i) => i.path), ['file.0']);
  });

  it('walks deep nesting without overflowing the stack', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    assert.equal(unstorableTextIssues('body', deep).length, 1);
  });

  it('lets the same request through once the text is clean', () => {
    validateRequestParts(anyBody, parts({ body: { name: 'ok 😀', ['__proto__']: 'fine' }, query: { q: 'x' }, params: { id: '1' }, raw: '<xml/>' }));
  });
});

describe('Numbers and times are what storage can hold', () => {
  const v = compileRequestValidators(
    { query: { type: 'object', properties: { from: { type: 'integer' }, at: { type: 'string', format: 'date-time' }, small: { type: 'integer', maximum: 10 } } } },
    'GET /things',
  );
  const query = (q: Record<string, unknown>) => () => validateRequestParts(v, parts({ query: q }));

  it('refuses an unbounded integer beyond the safe range, read from text or not', () => {
    for (const from of ['99999999999999999999', '-99999999999999999999', '1e308', '9007199254740992']) {
      assert.deepEqual(refusalIssues(query({ from })).map((i) => i.path), ['from'], from);
    }
    query({ from: '9007199254740991' })();
    query({ small: '10' })();
  });

  it('refuses a leap second, year 0000 and impossible dates; takes ordinary RFC 3339 times', () => {
    for (const at of ['2016-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z']) {
      assert.deepEqual(refusalIssues(query({ at })).map((i) => i.message), ['must be a valid date-time'], at);
    }
    query({ at: '2026-06-30T23:59:59.999+08:00' })();
  });
});
