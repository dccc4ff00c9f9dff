import type { FunctionRow, NavigatorRow } from '../../projections/permissions/permissions';
import type { JsonSchema } from '../route';

/** Navigators and functions in the seed's shapes (ModuleInfo, FuncDTO), shared by Insight and /v1. */

export function navigatorJson(n: NavigatorRow) {
  return { id: n.id, parentId: n.parent_id, type: n.type, index: n.sort_index, name: n.name, moduleInfo: n.module_info, functions: null };
}

export function functionJson(f: FunctionRow, permit?: number | null) {
  const json = { id: f.id, navId: f.nav_id, type: f.type, index: f.sort_index, name: f.name, authCodes: f.auth_codes, funcInfo: f.func_info };
  return permit === undefined ? json : { ...json, permit: permit === null ? null : permit === 1 };
}

export const navigatorSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    parentId: { type: ['string', 'null'] },
    type: { type: 'integer', description: '1 = group, 2 = module' },
    index: { type: 'integer' },
    name: { type: 'string' },
    moduleInfo: {
      type: 'object',
      properties: { iconUrl: { type: ['string', 'null'] }, module: { type: ['string', 'null'] }, file: { type: ['string', 'null'] }, autoLoad: { type: ['boolean', 'null'] } },
    },
    functions: { type: 'null' },
  },
};

export const functionSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    navId: { type: 'string' },
    type: { type: 'integer' },
    index: { type: 'integer' },
    name: { type: 'string' },
    authCodes: { type: ['string', 'null'] },
    funcInfo: {
      type: 'object',
      properties: { method: { type: ['string', 'null'] }, iconUrl: { type: ['string', 'null'] }, beginGroup: { type: ['boolean', 'null'] }, hideText: { type: ['boolean', 'null'] } },
    },
    permit: { type: ['boolean', 'null'], description: 'true granted, false denied by one of the roles, null never granted' },
  },
};
