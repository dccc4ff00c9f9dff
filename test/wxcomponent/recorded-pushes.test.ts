import assert from 'node:assert/strict';
import { recordOnce } from '../../src/commands/wxcomponent/recorded-pushes';

/**
 * The process's memory of recorded pushes, given appends that succeed, find the push recorded, or
 * fail: each store keeps its own, a failure is never remembered, and retries in flight together
 * share one append.
 */
describe('recorded pushes (retries answered from memory)', () => {
  const store = () => ({}) as never;
  const appendCounting = (outcome: () => Promise<boolean>) => {
    const calls = { count: 0 };
    return { calls, append: () => ((calls.count += 1), outcome()) };
  };

  it('given a push recorded here, when WeChat retries it, then it is a duplicate without another append', async () => {
    const s = store();
    const { calls, append } = appendCounting(async () => true);
    assert.deepEqual(await recordOnce(s, 'wxcallback-a', append), { duplicate: false });
    assert.deepEqual(await recordOnce(s, 'wxcallback-a', append), { duplicate: true });
    assert.equal(calls.count, 1);
  });

  it('given three retries at the same moment, then one append runs and the other two are duplicates', async () => {
    const s = store();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { calls, append } = appendCounting(async () => (await gate, true));
    const outcomes = Promise.all([1, 2, 3].map(() => recordOnce(s, 'wxcallback-b', append)));
    release();
    assert.deepEqual((await outcomes).map((o) => o.duplicate).sort(), [false, true, true]);
    assert.equal(calls.count, 1);
  });

  it('given an append that failed, when the retry comes, then it appends again (a failure is not remembered)', async () => {
    const s = store();
    let fail = true;
    const { calls, append } = appendCounting(async () => {
      if (fail) throw new Error('connection lost');
      return true;
    });
    await assert.rejects(recordOnce(s, 'wxcallback-c', append), /connection lost/);
    fail = false;
    assert.deepEqual(await recordOnce(s, 'wxcallback-c', append), { duplicate: false });
    assert.equal(calls.count, 2);
  });

  it('given a retry waiting on an original that fails, then the retry appends itself', async () => {
    const s = store();
    let reject!: (err: Error) => void;
    const original = recordOnce(s, 'wxcallback-d', () => new Promise<boolean>((_, r) => (reject = r)));
    const { calls, append } = appendCounting(async () => true);
    const retry = recordOnce(s, 'wxcallback-d', append);
    reject(new Error('timeout'));
    await assert.rejects(original, /timeout/);
    assert.deepEqual(await retry, { duplicate: false });
    assert.equal(calls.count, 1);
  });

  it('given a push the stream already held (another process recorded it), then it is a duplicate and remembered', async () => {
    const s = store();
    const { calls, append } = appendCounting(async () => false);
    assert.deepEqual(await recordOnce(s, 'wxcallback-e', append), { duplicate: true });
    assert.deepEqual(await recordOnce(s, 'wxcallback-e', append), { duplicate: true });
    assert.equal(calls.count, 1);
  });

  it('keeps each event store apart: a push recorded through one is unknown to another', async () => {
    const { calls, append } = appendCounting(async () => true);
    await recordOnce(store(), 'wxcallback-f', append);
    assert.deepEqual(await recordOnce(store(), 'wxcallback-f', append), { duplicate: false });
    assert.equal(calls.count, 2);
  });
});
