import type { Knex } from 'knex';
import { readPage, type Page, type PageRequest } from '../paging';
import type { DepartmentRow } from './departments';

/** Reads of the WeCom departments read model. */

/** By id. */
export function pageOfWecomDepartments(knex: Knex, page: PageRequest): Promise<Page<DepartmentRow>> {
  return readPage<DepartmentRow>(knex('wecom_departments'), page, [{ column: 'id', order: 'asc' }]);
}
