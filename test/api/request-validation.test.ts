import assert from 'node:assert/strict';
import { base, BODY_LIMIT_BYTES, call, expectRefusal, refusalMessage, startTestApp, surfaceNames, type TestApp } from './support';

const invalid = { insight: 430, laravel: 422, wxcomponent: 1001, bitanswer: 400, v1: { status: 422, code: 'validation_failed' } };
const malformed = { insight: 430, laravel: 400, wxcomponent: 1001, bitanswer: 400, v1: { status: 400, code: 'malformed_request' } };
const tooLarge = { insight: 400, laravel: 413, wxcomponent: 1001, bitanswer: 413, v1: { status: 413, code: 'payload_too_large' } };
const wrongMediaType = { insight: 430, laravel: 415, wxcomponent: 1001, bitanswer: 415, v1: { status: 415, code: 'unsupported_media_type' } };

describe('Request validation: every surface refuses bad input in its own envelope, before any handler runs', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.stop());

  for (const name of surfaceNames) {
    describe(`${name} (${base[name]})`, () => {
      const url = (path: string) => `${app.url}${base[name]}${path}`;

      it('accepts a valid body and wraps the answer in the envelope', async () => {
        const answer = await call(url('/things'), { method: 'POST', json: { name: 'kettle', age: 3 } });
        assert.equal(answer.status, 200, answer.text);
        const payload = { name: 'kettle', age: 3 };
        const expected = {
          insight: { success: true, code: 200, message: '请求成功', data: payload, option: null },
          laravel: { status: 'ok', message: '操作成功', data: payload, errors: null, code: 0 },
          wxcomponent: { code: 0, errorMsg: 'OK', data: payload },
          bitanswer: { status: 0, data: payload },
          v1: payload,
        }[name];
        assert.deepEqual(answer.json, expected);
      });

      it('refuses a body missing a required field, naming the field', async () => {
        const answer = await call(url('/things'), { method: 'POST', json: { age: 3 } });
        expectRefusal(name, answer, invalid);
        assert.match(refusalMessage(answer), /name is required/);
        if (name === 'laravel') assert.deepEqual(answer.json.errors, { name: ['is required'] });
        if (name === 'v1') assert.deepEqual(answer.json.errors, [{ in: 'body', path: 'name', message: 'is required' }]);
        if (name === 'insight') assert.match(refusalMessage(answer), /^无效参数/);
      });

      it('refuses a string where the schema says integer: bodies are never coerced', async () => {
        const answer = await call(url('/things'), { method: 'POST', json: { name: 'kettle', age: '3' } });
        expectRefusal(name, answer, invalid);
        assert.match(refusalMessage(answer), /age must be integer/);
      });

      it('refuses a property the schema does not allow', async () => {
        const answer = await call(url('/things'), { method: 'POST', json: { name: 'kettle', isAdmin: true } });
        expectRefusal(name, answer, invalid);
        assert.match(refusalMessage(answer), /isAdmin is not allowed/);
      });

      it('reports every mistake at once', async () => {
        const answer = await call(url('/things'), { method: 'POST', json: { age: -1, extra: 1 } });
        expectRefusal(name, answer, invalid);
        const message = refusalMessage(answer);
        for (const expected of [/name is required/, /extra is not allowed/, /age must be >= 0/]) assert.match(message, expected);
      });

      it('refuses a missing body where one is required', async () => {
        const answer = await call(url('/things'), { method: 'POST' });
        expectRefusal(name, answer, invalid);
        assert.match(refusalMessage(answer), /request body is required/);
      });

      it('refuses malformed JSON as the client’s mistake, not a server error', async () => {
        const answer = await call(url('/things'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "kettle",' });
        expectRefusal(name, answer, malformed);
      });

      it('refuses JSON that tries to set __proto__', async () => {
        const answer = await call(url('/things'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x","__proto__":{"isAdmin":true}}' });
        expectRefusal(name, answer, malformed);
      });

      it(`refuses a body over the ${BODY_LIMIT_BYTES}-byte limit`, async () => {
        const answer = await call(url('/things'), { method: 'POST', json: { name: 'x'.repeat(BODY_LIMIT_BYTES * 3) } });
        expectRefusal(name, answer, tooLarge);
      });

      it('refuses a JSON route’s body sent as another content type', async () => {
        const answer = await call(url('/things'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=kettle' });
        expectRefusal(name, answer, wrongMediaType);
      });

      it('coerces query strings and path parameters to their schema types, with defaults', async () => {
        const coerced = await call(url('/things/42?verbose=true'));
        assert.equal(coerced.status, 200, coerced.text);
        const defaulted = await call(url('/things/7'));
        const data = (answer: typeof coerced) => (name === 'v1' ? answer.json : answer.json.data) as Record<string, unknown>;
        assert.deepEqual(data(coerced), { id: 42, idType: 'number', verbose: true });
        assert.deepEqual(data(defaulted), { id: 7, idType: 'number', verbose: false });
      });

      it('refuses a path parameter or query value of the wrong type', async () => {
        const badParam = await call(url('/things/abc'));
        expectRefusal(name, badParam, invalid);
        assert.match(refusalMessage(badParam), /id must be integer/);
        const badQuery = await call(url('/things/1?verbose=perhaps&color=red'));
        expectRefusal(name, badQuery, invalid);
        assert.match(refusalMessage(badQuery), /verbose must be boolean/);
        assert.match(refusalMessage(badQuery), /color is not allowed/);
      });

      it('accepts a bare JSON string body where the schema says string', async () => {
        const answer = await call(url('/things'), { method: 'DELETE', json: '7179f5e4c7f84879bdfb70de0999b067' });
        assert.equal(answer.status, 200, answer.text);
        const data = name === 'v1' ? answer.json : answer.json.data;
        assert.deepEqual(data, { deleted: '7179f5e4c7f84879bdfb70de0999b067' });
        expectRefusal(name, await call(url('/things'), { method: 'DELETE', json: 42 }), invalid);
      });

      it('keeps a status the handler chose where the envelope has HTTP statuses, and answers "nothing" as its envelope does', async () => {
        const created = await call(url('/things/9'), { method: 'PUT', json: { name: 'kettle' } });
        const deleted = await call(url('/things/9'), { method: 'DELETE' });
        const legacy = { insight: 200, laravel: 201, wxcomponent: 200, bitanswer: 200, v1: 201 }[name];
        assert.equal(created.status, legacy, created.text);
        assert.deepEqual(name === 'v1' ? created.json : created.json.data, { id: 9, name: 'kettle' });
        if (name === 'v1') {
          assert.equal(deleted.status, 204);
          assert.equal(deleted.text, '');
        } else {
          assert.equal(deleted.status, 200);
          assert.equal(deleted.json.data, null);
        }
      });

      it('hands an XML push to a raw route as the exact text sent', async () => {
        const xml = '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[abc==]]></Encrypt></xml>';
        const answer = await call(url('/callback'), { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml });
        assert.equal(answer.status, 200);
        assert.equal(answer.text, `received ${xml}`);
      });

      it('refuses a raw route’s body of a type it does not take', async () => {
        const answer = await call(url('/callback'), { method: 'POST', json: { xml: false } });
        expectRefusal(name, answer, wrongMediaType);
      });
    });
  }
});
