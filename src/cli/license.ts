import { issueLicense } from '../commands/licenses/handler';
import type { LicenseType } from '../commands/licenses/events';
import { cliMetadata } from './admin';
import { withDependencies } from './context';

export interface LicenseIssueOptions {
  type: LicenseType;
  seats: number;
  validUntil: Date;
  validFrom?: Date;
  heartbeat: number;
  sessionTimeout?: number;
  disabled?: boolean;
}

/** `authledger license issue`: the same command as POST /v1/licenses; prints the new serial number. */
export async function licenseIssueCommand(o: LicenseIssueOptions): Promise<number> {
  const metadata = cliMetadata('license issue');
  const { sn } = await withDependencies((deps) =>
    issueLicense(
      deps,
      {
        licenseType: o.type,
        seats: o.seats,
        validFrom: o.validFrom ?? new Date(metadata.time),
        validUntil: o.validUntil,
        disabled: o.disabled ?? false,
        heartbeatSeconds: o.heartbeat,
        sessionTimeoutSeconds: o.sessionTimeout ?? o.heartbeat * 3,
      },
      metadata,
    ),
  );
  console.log(sn);
  return 0;
}
