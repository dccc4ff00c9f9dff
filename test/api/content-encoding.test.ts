import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { base, call, capturedLogger, expectRefusal, startTestApp, surfaceNames, type TestApp } from './support';

describe('A body whose Content-Encoding lies is refused in the surface’s envelope, not logged as a crash', () => {
  let app: TestApp;
  const log = capturedLogger('info');
  before(async () => {
    app = await startTestApp({ logger: log.logger });
  });
  after(async () => {
    await app.stop();
  });

  const post = (path: string, encoding: string, body: string | Buffer) =>
    call(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });

  for (const name of surfaceNames) {
    it(`${name}: gzip or br that is not answers 400 (malformed), an unknown encoding 415`, async () => {
      for (const encoding of ['gzip', 'br', 'deflate']) {
        expectRefusal(name, await post(`${base[name]}/things`, encoding, '{"name":"plain"}'), {
          insight: 430,
          laravel: 400,
          wxcomponent: 1001,
          bitanswer: 400,
          v1: { status: 400, code: 'malformed_request' },
        });
      }
      expectRefusal(name, await post(`${base[name]}/things`, 'x-bogus', '{"name":"plain"}'), {
        insight: 430,
        laravel: 415,
        wxcomponent: 1001,
        bitanswer: 415,
        v1: { status: 415, code: 'unsupported_media_type' },
      });
    });
  }

  it('still takes a body that really is gzip', async () => {
    const answer = await post('/v1/things', 'gzip', gzipSync('{"name":"zipped"}'));
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.name, 'zipped');
  });

  it('logs the refusals as ordinary requests: no error line, no stack', () => {
    const records = log.records();
    assert.ok(records.some((r) => r.failure === 'malformed_request'));
    assert.deepEqual(records.filter((r) => (r.level as number) >= 50 || 'err' in r), []);
  });
});
