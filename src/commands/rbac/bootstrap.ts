import type { EventStore } from '../../eventstore/port';
import { UniqueClaimConflictError } from '../../eventstore/errors';
import { DomainError } from '../domain-error';
import { accountClaim } from '../identity/handler';
import { systemMetadata } from '../system-metadata';
import type { RoleFields } from './events';
import { createRole, grantInitialRoles, type RbacDeps } from './handler';

/**
 * On first start: the built-in roles (`builtinRoles`, the template's), and suadmin for the bootstrap administrator if they never
 * had roles. Idempotent and safe when several processes start at once (fixed ids, name claims).
 */
export async function bootstrapRbac(deps: RbacDeps & { store: EventStore }, adminAccount: string, builtinRoles: readonly RoleFields[]): Promise<{ createdRoles: number; adminGranted: boolean }> {
  const metadata = systemMetadata('bootstrap');
  let createdRoles = 0;
  for (const fields of builtinRoles) {
    try {
      await createRole(deps, fields, metadata, { builtin: true });
      createdRoles++;
    } catch (err) {
      if (!(err instanceof UniqueClaimConflictError || (err instanceof DomainError && err.code === 'already_exists'))) throw err;
    }
  }
  const owner = await deps.store.claimOwner(accountClaim(adminAccount));
  const adminGranted = owner?.startsWith('user-') ? await grantInitialRoles(deps, owner.slice('user-'.length), ['suadmin'], metadata) : false;
  return { createdRoles, adminGranted };
}
