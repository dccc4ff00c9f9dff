import assert from 'node:assert/strict';
import { newEventId, newTimeOrderedHexId } from '../../src/commands/time-ordered-ids';

/** New events and new streams sort after the ones made before them, so each lands at the right edge of its index. */
describe('time-ordered ids', () => {
  it('event ids are UUIDs, distinct, and each sorts after the one made before it, within a millisecond too', () => {
    const ids = Array.from({ length: 5_000 }, () => newEventId());
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
  });

  it('hex ids have the 32 lower-case digits our stream ids had, and sort in the order they were made', () => {
    const ids = Array.from({ length: 5_000 }, () => newTimeOrderedHexId());
    for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
  });
});
