import assert from 'node:assert/strict';
import { createLogger, isSecretName } from '../../src/observability/logger';
import { call, capturedLogger, startTestApp } from './support';

const SECRETS = ['S1-auth', 'S2-cookie', 'S3-bitkey', 'S4-password', 'S5-deep', 'S6-array', 'S7-refresh', 'S8-apikey', 'S9-err', 'S10-child', 'S11-ticket', 'S12-sig'];

describe('Logging never writes a secret', () => {
  it('redacts secret-named fields at any depth, in arrays, in errors and in child bindings', () => {
    const { logger, lines } = capturedLogger('debug');
    const err = Object.assign(new Error('upstream refused'), { config: { headers: { Authorization: 'Bearer S9-err' } } });
    logger.child({ accessToken: 'S10-child', surface: 'insight' }).child({ requestId: 'r1', ticket: 'S10-child' }).info(
      {
        headers: { authorization: 'Bearer S1-auth', cookie: 'sid=S2-cookie', bitkey: 'S3-bitkey', 'content-type': 'application/json' },
        body: { account: 'alice', password: 'S4-password', profile: { wechat: { deeper: { component_appsecret: 'S5-deep' } } } },
        tokens: [{ refresh_token: 'S7-refresh' }, { token: 'S6-array' }],
        'x-api-key': 'S8-apikey',
        push: { ComponentVerifyTicket: 'S11-ticket', msg_signature: 'S12-sig', InfoType: 'component_verify_ticket' },
        err,
      },
      'something happened',
    );
    const output = lines.join('\n');
    for (const secret of SECRETS) assert.ok(!output.includes(secret), `${secret} leaked: ${output}`);
    const record = JSON.parse(lines[0]!) as Record<string, any>;
    assert.equal(record.body.account, 'alice', 'non-secret fields stay');
    assert.equal(record.headers['content-type'], 'application/json');
    assert.equal(record.push.InfoType, 'component_verify_ticket');
    assert.equal(record.surface, 'insight');
    assert.equal(record.requestId, 'r1');
    assert.equal(record.headers.authorization, '[redacted]');
    assert.equal(record.err.message, 'upstream refused', 'errors keep their message');
    assert.match(record.err.stack, /logging\.test\.ts/);
  });

  it('recognises secret field names however they are spelled', () => {
    for (const name of ['password', 'oldPassword', 'ADMIN_PASSWORD', 'secret', 'appSecret', 'token', 'accessToken', 'refresh-token', 'signature', 'sign', 'key', 'dataKey', 'EncodingAESKey', 'ticket', 'bitkey', 'Authorization', 'Set-Cookie', 'x-api-key', 'jwt']) {
      assert.ok(isSecretName(name), name);
    }
    for (const name of ['account', 'keyword', 'name', 'tokenType', 'code', 'status', 'infoType']) {
      assert.ok(!isSecretName(name), name);
    }
  });

  it('writes one access line per request: method, route template, status, time, request id, ip — no headers, bodies or query', async () => {
    const log = capturedLogger('info');
    const app = await startTestApp({ logger: log.logger });
    try {
      await call(`${app.url}/v1/whoami?access_token=S-query`, {
        headers: { authorization: 'Bearer S-header', cookie: 'sid=S-cookie', 'x-request-id': 'access-line' },
      });
      await call(`${app.url}/v1/things`, { method: 'POST', json: { name: 'S-body-field', password: 'S-body' }, headers: { 'x-request-id': 'refused-line' } });
    } finally {
      await app.stop();
    }
    const output = log.lines.join('\n');
    for (const secret of ['S-query', 'S-header', 'S-cookie', 'S-body']) assert.ok(!output.includes(secret), `${secret} leaked: ${output}`);
    const access = log.records().filter((r) => r.msg === 'request');
    const served = access.find((r) => r.requestId === 'access-line');
    assert.ok(served);
    assert.deepEqual(
      { method: served.method, route: served.route, status: served.status, ip: served.ip },
      { method: 'GET', route: '/v1/whoami', status: 200, ip: '127.0.0.1' },
    );
    assert.equal(typeof served.ms, 'number');
    const refused = access.find((r) => r.requestId === 'refused-line');
    assert.equal(refused?.status, 422);
    assert.equal(refused?.failure, 'validation_failed');
  });
});

describe('logging an error given as text', () => {
  it('keeps the message as text, not an object of characters', () => {
    const lines: string[] = [];
    const logger = createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(line) });
    logger.warn({ err: 'relation "x" does not exist' }, 'job failed');
    assert.equal(JSON.parse(lines[0]!).err, 'relation "x" does not exist');
  });
});
