import assert from 'node:assert/strict';
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
