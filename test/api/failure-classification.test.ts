import assert from 'node:assert/strict';
import { outageCause } from '../../src/api/dependency-outage';
import { classifyError } from '../../src/api/failure';
import { EventStoreUnavailableError, UniqueClaimConflictError, WrongExpectedVersionError } from '../../src/eventstore/errors';

describe('event store errors reaching the HTTP shell', () => {
  it('answers a taken unique value as already_exists, naming the field but not the value', () => {
    const { failure, unexpected } = classifyError(new UniqueClaimConflictError({ scope: 'mobile', value: '13800000000' }));
    assert.equal(failure.code, 'already_exists');
    assert.deepEqual(failure.details, { field: 'mobile' });
    assert.ok(!JSON.stringify(failure).includes('13800000000'));
    assert.equal(unexpected, false);
  });

  it('answers a lost concurrency race as conflict', () => {
    assert.equal(classifyError(new WrongExpectedVersionError('user-1', 3, 4)).failure.code, 'conflict');
  });

  it('answers an unreachable store as unavailable and logs it as unexpected', () => {
    const { failure, unexpected } = classifyError(new EventStoreUnavailableError('PostgreSQL event store unavailable (ECONNREFUSED)'));
    assert.equal(failure.code, 'unavailable');
    assert.ok(!failure.message.includes('ECONNREFUSED'));
    assert.equal(unexpected, true);
  });
});

describe('read-model and Redis failures reaching the HTTP shell', () => {
  const cases: Array<[string, Error, string]> = [
    ['a knex statement whose connection broke', new Error('insert into idempotency_keys (scope) values ($1) - Connection terminated unexpectedly'), 'database'],
    ['a statement past its deadline (server side)', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }), 'database'],
    ['a statement past its deadline (client side)', new Error('select 1 - Query read timeout'), 'database'],
    ['an exhausted pool', new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), 'database'],
    ['a Redis command past its deadline', new Error('Command timed out'), 'redis'],
    ['Redis gone after its retries', Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' }), 'redis'],
  ];
  for (const [what, err, cause] of cases) {
    it(`answers ${what} as unavailable (503), counted as ${cause}`, () => {
      assert.equal(outageCause(err), cause);
      assert.equal(classifyError(err).failure.code, 'unavailable');
    });
  }

  it('still answers a bug as internal', () => {
    assert.equal(outageCause(new TypeError('x is undefined')), null);
    assert.equal(classifyError(new TypeError('x is undefined')).failure.code, 'internal');
  });
});
