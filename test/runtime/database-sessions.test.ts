import assert from 'node:assert/strict';
import { createKnex } from '../../src/db/connection';
import { testServerUrl } from '../support/database';

/** What every connection of the service is set to, and how an operator changes it. */
describe('Database sessions', () => {
  const setting = async (url: string) => {
    const knex = createKnex(url, { poolMax: 1 });
    try {
      return (await knex.raw('show max_parallel_workers_per_gather')).rows[0].max_parallel_workers_per_gather as string;
    } finally {
      await knex.destroy();
    }
  };

  it('run queries without parallel workers, which would take cores from concurrent requests', async () => {
    assert.equal(await setting(testServerUrl), '0');
  });

  it("follow the operator's own options in DATABASE_URL instead", async () => {
    const url = new URL(testServerUrl);
    url.searchParams.set('options', '-c max_parallel_workers_per_gather=3');
    assert.equal(await setting(url.toString()), '3');
  });
});
