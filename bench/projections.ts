import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { IdentityEvent } from '../src/commands/identity/events';
import { systemMetadata } from '../src/commands/system-metadata';
import { PostgresEventStore } from '../src/eventstore/postgres';
import { usersProjection } from '../src/projections/identity/users';
import { ProjectionRunner } from '../src/projections/runner';
import { round } from './measure';

const metadata = systemMetadata('bench');

/** Users with a realistic mix of sign-ins and failures: `perUser` events each. */
export async function seedIdentityEvents(knex: Knex, users: number, perUser: number): Promise<number> {
  const store = new PostgresEventStore(knex);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < users) {
        const u = next++;
        const userId = u.toString(16).padStart(32, '0');
        const at = new Date(Date.UTC(2026, 0, 1, 0, 0, u % 60)).toISOString();
        const events: IdentityEvent[] = [
          {
            type: 'UserRegistered',
            data: { userId, account: `bench-${u}`, name: `压测${u}`, mobile: null, email: null, headImg: null, tenantId: null, builtin: false, roles: ['user'], sealedPasswordMd5: 'v1.x.y.z', registeredAt: at },
          },
        ];
        for (let k = 1; k < perUser; k++) {
          events.push(
            k % 4 === 0
              ? { type: 'UserSignInFailed', data: { userId, surface: 'v1', reason: 'bad_password', failures: 1, at } }
              : { type: 'UserSignedIn', data: { userId, surface: 'v1', at } },
          );
        }
        await store.appendToStream(`user-${userId}`, events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata })));
      }
    }),
  );
  await store.close();
  return users * perUser;
}

/** Catch-up of the users read model from zero over everything seeded, in one runner. */
export async function benchProjectionCatchUp(knex: Knex): Promise<{ events: number; seconds: number; eventsPerSecond: number }> {
  const store = new PostgresEventStore(knex);
  const runner = new ProjectionRunner({ store, knex, projections: [usersProjection], logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
  const events = Number((await knex('events').whereIn('type', usersProjection.eventTypes).count<{ n: string }[]>('* as n'))[0]!.n);
  const start = performance.now();
  await runner.catchUp();
  const seconds = (performance.now() - start) / 1000;
  await runner.stop();
  await store.close();
  return { events, seconds: round(seconds), eventsPerSecond: round(events / seconds) };
}
