/**
 * The licenses context. One stream per serial number, `license-<sn>`: the SN's terms and every
 * session on it live there, so the seat count is checked against the stream's own revision and
 * concurrent logins can never take more seats than the SN has.
 */
export type LicenseType = 'CLOUD' | 'ACCOUNT';
export const licenseTypes: LicenseType[] = ['CLOUD', 'ACCOUNT'];

/** `login`: an online seat kept alive by heartbeats. `checkout`: an offline borrow until a fixed end. */
export type SessionKind = 'login' | 'checkout';

/** How a session ended; with `login` and `checkout` (live) these are the log statuses of the vendor's spec. */
export type SessionEnd = 'logout' | 'timeout' | 'checkin' | 'autoCheckin' | 'checkoutCover' | 'kickOut' | 'highPriorityKick';
export type SessionStatus = SessionKind | SessionEnd;
export const sessionStatuses: SessionStatus[] = ['login', 'logout', 'timeout', 'checkout', 'checkin', 'autoCheckin', 'checkoutCover', 'kickOut', 'highPriorityKick'];

/** Who a session is for, as the client reports it. */
export interface SessionClient {
  machineId: string;
  /** Per-SN number of the machine (the log's fkMidId). */
  fkMidId: number;
  clientVersion: string;
  loginName: string | null;
  /** Per-SN number of the login name (the log's fkUserNameId); 0 without one. */
  fkUserNameId: number;
  userId: number;
  uid: number;
  loginIp: string | null;
}

export type LicenseEvent =
  | {
      type: 'LicenseIssued';
      data: {
        sn: string;
        licenseType: LicenseType;
        seats: number;
        validFrom: string;
        validUntil: string;
        disabled: boolean;
        heartbeatSeconds: number;
        sessionTimeoutSeconds: number;
        issuedAt: string;
      };
    }
  | { type: 'LicenseDisabled'; data: { sn: string; at: string } }
  | { type: 'LicenseEnabled'; data: { sn: string; at: string } }
  | {
      type: 'LicenseSessionStarted';
      /** `deadline`: when it times out without a heartbeat (login) or is checked in automatically (checkout). */
      data: SessionClient & { sn: string; sessionId: string; kind: SessionKind; priority: number; seat: number; startedAt: string; deadline: string };
    }
  | {
      type: 'LicenseSessionRefused';
      /** A refused login or checkout is logged too, with the vendor-style error code. */
      data: SessionClient & { sn: string; sessionId: string; kind: SessionKind; errorCode: number; failure: string; at: string };
    }
  | { type: 'LicenseSessionHeartbeat'; data: { sn: string; sessionId: string; at: string; deadline: string } }
  | { type: 'LicenseSessionEnded'; data: { sn: string; sessionId: string; status: SessionEnd; at: string } };

export type LicenseEventType = LicenseEvent['type'];

export const licenseEventTypes: LicenseEventType[] = [
  'LicenseIssued',
  'LicenseDisabled',
  'LicenseEnabled',
  'LicenseSessionStarted',
  'LicenseSessionRefused',
  'LicenseSessionHeartbeat',
  'LicenseSessionEnded',
];

export const licenseStream = (sn: string): string => `license-${sn}`;

/**
 * Error codes a refused session carries in its log row (`errorCode`) and in the refusal.
 * 0 is success, as in the vendor's logs.
 */
export const SESSION_ERRORS = {
  seatsFull: 1001,
  licenseDisabled: 1002,
  licenseExpired: 1003,
  licenseNotYetValid: 1004,
} as const;
