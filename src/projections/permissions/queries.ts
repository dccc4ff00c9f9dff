import type { Knex } from 'knex';
import type { FunctionRow, NavigatorRow, RoleRow } from './permissions';

/**
 * Reads of the permissions read model. A user's permit on a function is the minimum over the
 * permits of all the user's roles in the application: any deny (0) wins, no row at all is null.
 */

/** Groups by index, then modules by their group's index and their own: the order a menu is drawn in. */
const TREE_ORDER = 'n.parent_id is not null, coalesce(p.sort_index, n.sort_index), n.parent_id nulls first, n.sort_index, n.id';

const EFFECTIVE = `
  select f.id as function_id, min(p.permit) as permit
    from permission_functions f
    join permission_role_permits p on p.function_id = f.id
    join permission_role_members m on m.role_id = p.role_id and m.user_id = :userId
   where f.app_id = :appId
   group by f.id`;

/** Modules with at least one permitted function, plus their groups, ordered by parent then index. */
export async function permittedNavigators(knex: Knex, appId: string, userId: string): Promise<NavigatorRow[]> {
  const res = await knex.raw(
    `with effective as (${EFFECTIVE}),
          modules as (select distinct f.nav_id as id from permission_functions f join effective e on e.function_id = f.id where e.permit = 1)
     select n.* from permission_navigators n
       left join permission_navigators p on p.id = n.parent_id
      where n.app_id = :appId
        and (n.id in (select id from modules)
             or n.id in (select parent_id from permission_navigators where id in (select id from modules)))
      order by ${TREE_ORDER}`,
    { appId, userId },
  );
  return res.rows as NavigatorRow[];
}

/** One module's functions with the user's permit: true, false (denied by some role) or null (never granted). */
export async function functionsWithPermit(
  knex: Knex,
  appId: string,
  navigatorId: string,
  userId: string,
): Promise<Array<FunctionRow & { permit: number | null }>> {
  const res = await knex.raw(
    `with effective as (${EFFECTIVE})
     select f.*, e.permit from permission_functions f left join effective e on e.function_id = f.id
      where f.app_id = :appId and f.nav_id = :navigatorId
      order by f.sort_index, f.id`,
    { appId, userId, navigatorId },
  );
  return res.rows as Array<FunctionRow & { permit: number | null }>;
}

/** The authorization codes the user holds in the application (lower-cased), and the stream revision they reflect. */
export async function permittedCodes(knex: Knex, appId: string, userId: string): Promise<{ codes: string[]; revision: number }> {
  const [codes, app] = await Promise.all([
    knex.raw(
      `with effective as (${EFFECTIVE})
       select f.auth_codes from permission_functions f join effective e on e.function_id = f.id where e.permit = 1 and f.auth_codes is not null`,
      { appId, userId },
    ),
    knex('permission_apps').where({ app_id: appId }).first('revision'),
  ]);
  const all = new Set<string>();
  for (const { auth_codes } of codes.rows as { auth_codes: string }[]) {
    for (const code of auth_codes.split(',')) if (code.trim()) all.add(code.trim().toLowerCase());
  }
  return { codes: [...all].sort(), revision: app ? Number(app.revision) : -1 };
}

export async function navigatorsOfApp(knex: Knex, appId: string): Promise<NavigatorRow[]> {
  const res = await knex.raw(
    `select n.* from permission_navigators n left join permission_navigators p on p.id = n.parent_id where n.app_id = ? order by ${TREE_ORDER}`,
    [appId],
  );
  return res.rows as NavigatorRow[];
}

export async function functionsOfNavigator(knex: Knex, appId: string, navigatorId: string): Promise<FunctionRow[]> {
  return knex('permission_functions').where({ app_id: appId, nav_id: navigatorId }).orderBy(['sort_index', 'id']);
}

export async function rolesOfApp(knex: Knex, appId: string): Promise<Array<RoleRow & { members: number }>> {
  const res = await knex.raw(
    `select r.*, (select count(*)::int from permission_role_members m where m.role_id = r.id) as members
       from permission_roles r where r.app_id = ? order by r.name, r.id`,
    [appId],
  );
  return res.rows as Array<RoleRow & { members: number }>;
}

export async function permitsOfRole(knex: Knex, roleId: string): Promise<Array<{ functionId: string; permit: number }>> {
  const rows = await knex('permission_role_permits').where({ role_id: roleId }).orderBy('function_id').select('function_id', 'permit');
  return rows.map((r: { function_id: string; permit: number }) => ({ functionId: r.function_id, permit: r.permit }));
}

export async function rolesOfUser(knex: Knex, appId: string, userId: string): Promise<string[]> {
  const rows = await knex('permission_role_members').where({ app_id: appId, user_id: userId }).orderBy('role_id').select('role_id');
  return rows.map((r: { role_id: string }) => r.role_id);
}

/** Whether the app has this navigator (module or group). */
export async function permissionNavigatorExists(knex: Knex, appId: string, navigatorId: string): Promise<boolean> {
  return (await knex('permission_navigators').where({ id: navigatorId, app_id: appId }).first('id')) !== undefined;
}
