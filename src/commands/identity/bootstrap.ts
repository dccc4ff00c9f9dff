import { systemMetadata } from '../system-metadata';
import { UniqueClaimConflictError } from '../../eventstore/errors';
import type { EventStore } from '../../eventstore/port';
import { accountClaim, registerUser } from './handler';

/**
 * On first start, registers the administrator named by ADMIN_ACCOUNT. Idempotent and safe when
 * several processes start at once: the account claim decides which one registers.
 */
export async function bootstrapAdministrator(deps: { store: EventStore; dataKey: Buffer }, account: string, password: string, name: string): Promise<'created' | 'exists'> {
  if (await deps.store.claimOwner(accountClaim(account))) return 'exists';
  try {
    await registerUser(
      deps,
      {
        profile: { account, name, mobile: null, email: null, headImg: null, tenantId: null },
        password,
        roles: ['admin'],
        builtin: true,
      },
      systemMetadata('bootstrap'),
    );
    return 'created';
  } catch (err) {
    if (err instanceof UniqueClaimConflictError) return 'exists';
    throw err;
  }
}
