import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createKnex, dropDatabase } from '../../src/db/connection';
import { migrations } from '../../src/db/migrations';
import { testServerUrl } from '../support/database';
import { cliWorld, lines, runCli, type CliWorld } from './run-cli';

describe('authledger doctor', function () {
  this.timeout(240_000);
  let world: CliWorld;
  beforeEach(async () => (world = await cliWorld('cli_doctor')));
  afterEach(() => world.drop());

  it('given PostgreSQL and Redis up: reports each as ok and exits 0', async () => {
    const r = await runCli(['doctor'], world.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^ok: PostgreSQL at .*, migrated$/m);
    assert.match(r.stdout, /^ok: Redis at redis:\/\//m);
  });

  it('given Redis on a closed port: one line names REDIS_URL and how to start Redis, and the exit code is 1', async () => {
    const r = await runCli(['doctor'], { ...world.env, REDIS_URL: 'redis://127.0.0.1:1' });
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^Redis is not reachable at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\): start it \(e\.g\. redis-server .*\) or set REDIS_URL/);
    assert.deepEqual(lines(`${r.stdout}\n${r.stderr}`).filter((l) => /redis/i.test(l)).length, 1, 'only one line is about Redis');
    assert.match(r.stdout, /^ok: PostgreSQL/m);
  });

  it('given a bad setting: one line per problem, naming the variable, and the exit code is 1', async () => {
    const r = await runCli(['doctor'], { ...world.env, PORT: 'eighty', TRUST_PROXY: 'maybe' });
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), ['configuration: PORT must be an integer from 0 to 65535, got "eighty"', 'configuration: TRUST_PROXY must be true or false, got "maybe"']);
  });
});

describe('authledger migrate', function () {
  this.timeout(240_000);
  const url = new URL(testServerUrl);
  url.pathname = `/authledger_cli_migrate_${randomBytes(4).toString('hex')}`;
  after(() => dropDatabase(url.toString()));

  it('given no database: creates it and applies every migration; run again, it has nothing to do', async () => {
    const first = await runCli(['migrate'], { DATABASE_URL: url.toString() });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /database is migrated/);
    const knex = createKnex(url.toString());
    try {
      const applied = (await knex('knex_migrations').orderBy('id').pluck('name')) as string[];
      assert.deepEqual(applied, migrations.map((m) => m.name));
      const again = await runCli(['migrate'], { DATABASE_URL: url.toString() });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(Number((await knex('knex_migrations').count({ n: '*' }))[0]!.n), migrations.length);
    } finally {
      await knex.destroy();
    }
  });
});
