import { createHash } from 'node:crypto';
import type { EventStore } from '../../eventstore/port';
import { DomainError } from '../domain-error';
import { systemMetadata } from '../system-metadata';
import type { ConfigFields } from './events';
import { createConfig } from './handler';

/** A seeded config's id is fixed by its endpoint, so one an operator deleted is not seeded again. */
const seededId = (c: ConfigFields): string => createHash('md5').update(`seed:${c.method} ${c.url}`).digest('hex');

/**
 * On first start, records `seeded` (the spec's rate limits) as interface configs. Idempotent and safe when
 * several processes start at once: the fixed ids and the endpoint claims decide.
 */
export async function bootstrapInterfaceConfigs(deps: { store: EventStore }, seeded: readonly ConfigFields[]): Promise<number> {
  let created = 0;
  for (const fields of seeded) {
    try {
      await createConfig(deps.store, fields, { id: null, name: 'system' }, systemMetadata('bootstrap'), seededId(fields));
      created++;
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'already_exists')) throw err;
    }
  }
  return created;
}
