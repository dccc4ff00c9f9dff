import { configDecider } from '../../src/commands/configs/decider';
import type { ConfigEvent, ConfigFields } from '../../src/commands/configs/events';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(configDecider);
const id = 'c'.repeat(32);
const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-02T00:00:00.000Z');
const by = { id: 'u'.repeat(32), name: '系统管理员' };
const fields: ConfigFields = {
  name: '获取用户列表',
  method: 'GET',
  url: '/base/user/v1.0/users',
  authCode: null,
  limitGap: 1,
  limitCycle: null,
  limitMax: null,
  message: null,
  remark: null,
  verify: true,
  limit: true,
};
const created: ConfigEvent = { type: 'InterfaceConfigCreated', data: { config: { id, ...fields, createdTime: t0.toISOString() }, by, at: t0.toISOString() } };

describe('interface configs: decide', () => {
  it('given nothing, when created, then InterfaceConfigCreated with the whole config and who created it', () => {
    spec.given().when({ type: 'CreateConfig', id, fields, by, now: t0 }).then(created);
  });

  it('given a config, when created again with its id, then already_exists', () => {
    spec.given(created).when({ type: 'CreateConfig', id, fields, by, now: t0 }).thenRefused('already_exists');
  });

  it('given a config, when updated, then the new config keeps its created time', () => {
    const changed = { ...fields, authCode: 'getUser' };
    spec
      .given(created)
      .when({ type: 'UpdateConfig', fields: changed, by, now: t1 })
      .then({ type: 'InterfaceConfigUpdated', data: { config: { id, ...changed, createdTime: t0.toISOString() }, by, at: t1.toISOString() } });
  });

  it('given a config, when deleted, then the event keeps the config as it was; deleting again is not_found', () => {
    const deleted: ConfigEvent = { type: 'InterfaceConfigDeleted', data: { config: created.data.config, by, at: t1.toISOString() } };
    spec.given(created).when({ type: 'DeleteConfig', by, now: t1 }).then(deleted);
    spec.given(created, deleted).when({ type: 'DeleteConfig', by, now: t1 }).thenRefused('not_found');
    spec.given(created, deleted).when({ type: 'CreateConfig', id, fields, by, now: t1 }).thenRefused('already_exists');
  });

  it('given nothing, when updated, then not_found', () => {
    spec.given().when({ type: 'UpdateConfig', fields, by, now: t1 }).thenRefused('not_found');
  });

  it('when limited without a gap or a complete cycle, or with a cycle but no maximum, then validation_failed', () => {
    spec.given().when({ type: 'CreateConfig', id, fields: { ...fields, limitGap: null }, by, now: t0 }).thenRefused('validation_failed');
    spec.given().when({ type: 'CreateConfig', id, fields: { ...fields, limitCycle: 60 }, by, now: t0 }).thenRefused('validation_failed');
    spec.given(created).when({ type: 'UpdateConfig', fields: { ...fields, limitGap: 0, limitMax: 5 }, by, now: t1 }).thenRefused('validation_failed');
  });

  it('when not limited, then no limits are needed', () => {
    const open = { ...fields, limit: false, limitGap: null };
    spec
      .given()
      .when({ type: 'CreateConfig', id, fields: open, by, now: t0 })
      .then({ type: 'InterfaceConfigCreated', data: { config: { id, ...open, createdTime: t0.toISOString() }, by, at: t0.toISOString() } });
  });
});
