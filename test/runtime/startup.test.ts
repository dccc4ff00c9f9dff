import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../support/database';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

function runMain(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['src/main.ts', ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('starting the service when something it needs is missing', function () {
  this.timeout(60_000);
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase('startup');
  });
  after(async () => {
    await db?.drop();
  });

  it('says in one line that PostgreSQL is not reachable and how to start it, and exits 1', async () => {
    const r = await runMain(['all'], { DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/authledger' });
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /PostgreSQL is not reachable at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/authledger \(ECONNREFUSED\)\. Start it/);
    assert.ok(!r.stderr.includes('s3cret'), 'the password leaked');
  });

  it('says in one line that Redis is not reachable, and exits 1', async () => {
    const r = await runMain(['all'], { REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: db.url });
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /Redis is not reachable at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });

  it('lists every bad setting at once, and refuses development secrets in production', async () => {
    const r = await runMain(['api'], { NODE_ENV: 'production', PORT: 'eighty', DATABASE_URL: db.url });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PORT must be an integer/);
    assert.match(r.stderr, /JWT_SECRET is the development default/);
    assert.match(r.stderr, /DATA_KEY is the development default/);
    assert.match(r.stderr, /WECHAT_COMPONENT_TOKEN is the development default/);
    assert.match(r.stderr, /WECHAT_COMPONENT_AES_KEY is the development default/);
    assert.ok(!/\n\s+at /.test(r.stderr), 'stack trace printed');
  });

  it('given development secrets, the start-up log says a default is in use by name and never prints a value', async () => {
    const names = ['ADMIN_PASSWORD', 'JWT_SECRET', 'DATA_KEY', 'WECOM_CORP_SECRET', 'WECHAT_COMPONENT_SECRET', 'WECHAT_COMPONENT_TOKEN', 'WECHAT_COMPONENT_AES_KEY'];
    const r = await runMain(['all'], { LOG_LEVEL: 'info', NODE_ENV: 'development', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/authledger', ...Object.fromEntries(names.map((n) => [n, ''])) });
    assert.equal(r.code, 1);
    const { config } = loadConfig({});
    const values = [config.adminPassword, config.jwtSecret, config.wecom.corpSecret, config.wechatComponent.secret, config.wechatComponent.token, config.wechatComponent.encodingAesKey, 'development-data-key'];
    const output = r.stdout + r.stderr;
    for (const name of names) assert.ok(output.includes(`${name} (development default)`), `${name} not reported: ${output}`);
    for (const value of values) assert.ok(!output.includes(value), `a secret was printed: ${value}`);
  });

  it('names the roles when given an unknown one', async () => {
    const r = await runMain(['everything'], { DATABASE_URL: db.url });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: .*all\|api\|projector\|workers\|migrate\|rebuild/);
  });
});
