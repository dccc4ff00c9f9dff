import type { ConfigFields } from '../commands/configs/events';
import { PERMISSIONS, type RoleFields } from '../commands/rbac/events';

/**
 * What a first start records, in the originals' own words (the domain carries no surface text):
 * the bootstrap administrator's display name, the Laravel template's roles and Insight's seeded
 * interface configs. `src/main.ts` hands them to the bootstrap commands.
 */

/** The name Insight's seed gave its administrator. */
export const ADMIN_DISPLAY_NAME = '系统管理员';

/** The template's seeded roles and the permissions its migrations attach to them. */
export const BUILTIN_ROLES: RoleFields[] = [
  { name: 'suadmin', displayName: '超级管理员', description: 'suadmin', perms: [...PERMISSIONS] },
  { name: 'admin', displayName: '管理员', description: 'admin', perms: [...PERMISSIONS] },
  { name: 'user', displayName: '普通用户', description: 'user', perms: ['/qrlogin/*'] },
];


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

