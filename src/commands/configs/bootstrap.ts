import { createHash } from 'node:crypto';
import type { EventStore } from '../../eventstore/port';
import { DomainError } from '../domain-error';
import { systemMetadata } from '../system-metadata';
import type { ConfigFields } from './events';
import { createConfig } from './handler';

const PREFIX = '/base/auth/v1.0';
const DAY = 86_400;

/** The spec's limits: codes and tokens 3 s apart and 200 a day per device; refresh 3 s apart and 60 a day. */
export const SEEDED_CONFIGS: ConfigFields[] = [
  {
    name: '获取Code',
    method: 'GET',
    url: `${PREFIX}/tokens/codes`,
    authCode: null,
    limitGap: 3,
    limitCycle: DAY,
    limitMax: 200,
    message: '获取Code接口每24小时调用次数为200次,请合理使用',
    remark: null,
    verify: false,
    limit: true,
  },
  {
    name: '获取Token',
    method: 'POST',
    url: `${PREFIX}/tokens`,
    authCode: null,
    limitGap: 3,
    limitCycle: DAY,
    limitMax: 200,
    message: '获取Token接口每24小时调用次数为200次,请合理使用',
    remark: null,
    verify: false,
    limit: true,
  },
  {
    name: '刷新Token',
    method: 'PUT',
    url: `${PREFIX}/tokens`,
    authCode: null,
    limitGap: 3,
    limitCycle: DAY,
    limitMax: 60,
    message: '刷新Token接口每24小时调用次数为60次,请合理使用',
    remark: null,
    verify: false,
    limit: true,
  },
];

/** A seeded config's id is fixed by its endpoint, so one an operator deleted is not seeded again. */
const seededId = (c: ConfigFields): string => createHash('md5').update(`seed:${c.method} ${c.url}`).digest('hex');

/**
 * On first start, records the spec's rate limits as interface configs. Idempotent and safe when
 * several processes start at once: the fixed ids and the endpoint claims decide.
 */
export async function bootstrapInterfaceConfigs(deps: { store: EventStore }): Promise<number> {
  let created = 0;
  for (const fields of SEEDED_CONFIGS) {
    try {
      await createConfig(deps.store, fields, { id: null, name: 'system' }, systemMetadata('bootstrap'), seededId(fields));
      created++;
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'already_exists')) throw err;
    }
  }
  return created;
}
