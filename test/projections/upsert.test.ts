import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import type { RecordedEvent } from '../../src/eventstore/port';
import { applyRowFold, foldRows, keyString, type RowFold } from '../../src/projections/upsert';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { testMetadata } from '../support/events';

/** Membership counts per (group, member): a composite key, and an event that touches two rows. */
interface MembershipRow {
  group_id: string;
  member_no: number;
  joins: number;
  note: string;
}

type MembershipEvent = RecordedEvent<'Joined' | 'Left' | 'Swapped', { group: string; member: number; other?: number }>;

const membership: RowFold<MembershipRow, MembershipEvent> = {
  table: 'members',
  key: ['group_id', 'member_no'],
  keysOf: (e) =>
    e.type === 'Swapped'
      ? [
          { group_id: e.data.group, member_no: e.data.member },
          { group_id: e.data.group, member_no: e.data.other! },
        ]
      : { group_id: e.data.group, member_no: e.data.member },
  evolve(row, e, key) {
    if (e.type === 'Left') return null;
    if (e.type === 'Swapped') return row && { ...row, note: `swapped in ${e.revision}` };
    return { group_id: String(key.group_id), member_no: Number(key.member_no), joins: (row?.joins ?? 0) + 1, note: row?.note ?? '' };
  },
};

let revision = 0;
function event(type: MembershipEvent['type'], data: MembershipEvent['data']): MembershipEvent {
  const n = revision++;
  return {
    eventId: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
    streamId: `group-${data.group}`,
    revision: n,
    position: { commit: 10n, prepare: BigInt(n + 1) },
    type,
    data,
    metadata: testMetadata(),
    created: new Date(0),
  };
}

describe('row fold (set-based upserts)', function () {
  describe('folding in memory', () => {
    it('applies the events per key in order; a delete then a re-create is one upsert', () => {
      const current = new Map([[keyString(membership.key, { group_id: 'g', member_no: 1 }), { group_id: 'g', member_no: 1, joins: 4, note: 'old' }]]);
      const changes = foldRows(membership, current, [
        event('Joined', { group: 'g', member: 1 }),
        event('Left', { group: 'g', member: 1 }),
        event('Joined', { group: 'g', member: 1 }),
        event('Joined', { group: 'g', member: 2 }),
        event('Joined', { group: 'g', member: 3 }),
        event('Left', { group: 'g', member: 3 }),
      ]);
      assert.deepEqual(changes.upserts, [
        { group_id: 'g', member_no: 1, joins: 1, note: '' },
        { group_id: 'g', member_no: 2, joins: 1, note: '' },
      ]);
      assert.deepEqual(changes.deletes, [], 'member 3 never reached the table, so nothing to delete');
    });

    it('deletes rows that existed and writes nothing for rows evolve left unchanged', () => {
      const row = { group_id: 'g', member_no: 7, joins: 1, note: '' };
      const current = new Map([[keyString(membership.key, row), row]]);
      const swapWithAbsent = foldRows(membership, current, [event('Swapped', { group: 'g', member: 8, other: 9 })]);
      assert.deepEqual(swapWithAbsent, { upserts: [], deletes: [] });
      const left = foldRows(membership, current, [event('Left', { group: 'g', member: 7 })]);
      assert.deepEqual(left, { upserts: [], deletes: [{ group_id: 'g', member_no: 7 }] });
    });

    it('matches a key given as text with the number a numeric column reads back as', () => {
      assert.equal(keyString(['a', 'b'], { a: 'x', b: 5 }), keyString(['a', 'b'], { a: 'x', b: '5' }));
      assert.notEqual(keyString(['a', 'b'], { a: 'x', b: 5 }), keyString(['a', 'b'], { a: 'x5', b: '' }));
      assert.throws(() => keyString(['a', 'b'], { a: 'x' }), /missing column b/);
    });
  });

  describe('writing to PostgreSQL', () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase('upsert');
      await db.knex.raw(`create table members_v1 (group_id text not null, member_no integer not null, joins integer not null, note text not null, primary key (group_id, member_no))`);
    });
    after(async () => {
      await db?.drop();
    });

    const rows = (knex: Knex) => knex('members_v1').orderBy(['group_id', 'member_no']).select('*');
    const apply = (events: MembershipEvent[], fold = membership) =>
      db.knex.transaction((trx) => applyRowFold(trx, { members: 'members_v1' }, fold, events));

    it('writes a batch with one upsert and one delete, building on the rows already there', async () => {
      const first = await apply([event('Joined', { group: 'a', member: 1 }), event('Joined', { group: 'a', member: 2 }), event('Joined', { group: 'b', member: 1 })]);
      assert.deepEqual(first, { loaded: 0, upserted: 3, deleted: 0 });

      const queries: string[] = [];
      const record = (q: { sql: string }) => void queries.push(q.sql);
      db.knex.on('query', record);
      const second = await apply([
        event('Joined', { group: 'a', member: 1 }),
        event('Left', { group: 'a', member: 2 }),
        event('Swapped', { group: 'b', member: 1, other: 5 }),
        event('Joined', { group: 'b', member: 5 }),
      ]);
      db.knex.off('query', record);
      assert.deepEqual(second, { loaded: 3, upserted: 3, deleted: 1 });
      assert.equal(queries.filter((q) => !/^(BEGIN|COMMIT)/i.test(q)).length, 3, 'load, delete, upsert');

      assert.deepEqual(await rows(db.knex), [
        { group_id: 'a', member_no: 1, joins: 2, note: '' },
        { group_id: 'b', member_no: 1, joins: 1, note: `swapped in ${revision - 2}` },
        { group_id: 'b', member_no: 5, joins: 1, note: '' },
      ]);
    });

    it('skips loading for append-only rows when told to', async () => {
      const appendOnly: RowFold<MembershipRow, MembershipEvent> = { ...membership, loadExisting: false };
      const result = await apply([event('Joined', { group: 'a', member: 1 })], appendOnly);
      assert.equal(result.loaded, 0);
      // Without the current row the fold starts from nothing: joins is overwritten, not incremented.
      assert.equal((await rows(db.knex))[0].joins, 1);
    });
  });
});
