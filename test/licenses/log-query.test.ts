import assert from 'node:assert/strict';
import { DomainError } from '../../src/commands/domain-error';
import { checkQuery } from '../../src/api/bitanswer/log-query';

const refused = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof DomainError && err.code === 'validation_failed' && message.test(err.message));

describe('BitAnswer log query language: checked against its whitelist before any SQL exists', () => {
  for (const name of ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty', 'isPrototypeOf']) {
    it(`refuses ${name} as a field to query by and as a field to sort by`, () => {
      refused(() => checkQuery([{ name, op: '=', values: ['1'] }], []), /cannot query by/);
      refused(() => checkQuery([], [{ name, order: 'ASC' }]), /cannot sort by/);
    });
  }

  it('still maps the vendor’s fields to their columns', () => {
    const { filters, order } = checkQuery([{ name: 'loginName', op: 'like', values: ['name%'] }], [{ name: 'startTime', order: 'desc' }]);
    assert.deepEqual(filters, [{ column: 'login_name', op: 'like', values: ['name%'] }]);
    assert.deepEqual(order, [{ column: 'start_time', order: 'desc' }]);
  });

  it('refuses an errorCode outside the column’s integer range, and takes one inside it', () => {
    refused(() => checkQuery([{ name: 'errorCode', op: '=', values: ['999999999999999'] }], []), /out of range/);
    refused(() => checkQuery([{ name: 'errorCode', op: '>', values: [-2147483649] }], []), /out of range/);
    assert.deepEqual(checkQuery([{ name: 'errorCode', op: '=', values: ['2147483647'] }], []).filters[0]!.values, [2147483647]);
  });

  it('refuses a like pattern ending in an unpaired backslash, and takes an escaped one', () => {
    refused(() => checkQuery([{ name: 'loginName', op: 'like', values: ['\\'] }], []), /unpaired/);
    refused(() => checkQuery([{ name: 'status', op: 'like', values: ['a\\\\\\'] }], []), /unpaired/);
    assert.deepEqual(checkQuery([{ name: 'loginName', op: 'like', values: ['a\\\\'] }], []).filters[0]!.values, ['a\\\\']);
    assert.deepEqual(checkQuery([{ name: 'loginName', op: 'like', values: ['50\\%'] }], []).filters[0]!.values, ['50\\%']);
  });
});
