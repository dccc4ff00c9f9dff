import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, prettyStream, wantsPrettyLogs } from '../../src/observability/logger';

function sink(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, text: () => text };
}

const logSecrets = (logger: ReturnType<typeof createLogger>) => {
  logger.child({ token: 'child-token-111' }).info({ user: 'ann', password: 'hunter2-222', headers: { authorization: 'Bearer abc-333' } }, 'signed in');
  logger.error({ err: Object.assign(new Error('upstream failed'), { secret: 'component-secret-444' }) }, 'call failed');
};
const SECRETS = ['child-token-111', 'hunter2-222', 'abc-333', 'component-secret-444'];

describe('development logs on a terminal', () => {
  it('are pretty on a terminal outside production, JSON lines in production and when not a terminal', () => {
    assert.equal(wantsPrettyLogs('development', true), true);
    assert.equal(wantsPrettyLogs('test', true), true);
    assert.equal(wantsPrettyLogs('production', true), false);
    assert.equal(wantsPrettyLogs('development', false), false);
    assert.equal(wantsPrettyLogs('development', undefined), false);
  });

  it('redact secrets in pretty mode as in JSON mode', () => {
    const pretty = sink();
    logSecrets(createLogger({ logLevel: 'info' }, prettyStream(pretty.stream, false)));
    assert.match(pretty.text(), /INFO.*signed in/);
    assert.ok(!pretty.text().trimStart().startsWith('{'), 'pretty output, not JSON');
    assert.match(pretty.text(), /password: "\[redacted\]"/);

    const json = sink();
    logSecrets(createLogger({ logLevel: 'info' }, json.stream));
    assert.equal(JSON.parse(json.text().split('\n')[0]!).password, '[redacted]');

    for (const [mode, text] of [['pretty', pretty.text()], ['json', json.text()]]) {
      for (const secret of SECRETS) assert.ok(!text!.includes(secret), `${mode} logs leaked ${secret}`);
    }
  });
});
