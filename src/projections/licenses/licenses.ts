import type { LicenseEvent } from '../../commands/licenses/events';
import { licenseEventTypes } from '../../commands/licenses/events';
import type { RecordedEvent } from '../../eventstore/port';
import type { Projection } from '../projection';
import { applyRowFold, type RowFold } from '../upsert';

/**
 * Serial numbers and their session logs (one row per session, failed logins included), for
 * `GET /v1/licenses`, the BitAnswer log queries, and the expiry sweep (`live`, `deadline`).
 */
export interface LicenseRow {
  sn: string;
  /** The SN's number in the vendor's logs (fkSnid): the global sequence number of its LicenseIssued event, stable across rebuilds. */
  fk_snid: number;
  license_type: string;
  seats: number;
  valid_from: string;
  valid_until: string;
  disabled: boolean;
  heartbeat_seconds: number;
  session_timeout_seconds: number;
  issued_at: string;
  updated_at: string;
}

export interface SessionLogRow {
  session_id: string;
  sn: string;
  fk_snid: number;
  kind: string;
  status: string;
  live: boolean;
  /** Live sessions only: when the session times out (login) or is checked in automatically (checkout). */
  deadline: string | null;
  start_time: string;
  end_time: string | null;
  client_version: string;
  cmd_exe_num: number;
  error_code: number;
  failure: string | null;
  fk_mid_id: number;
  login_ip: string | null;
  number: number;
  fk_user_id: number;
  fk_user_name_id: number;
  uid: number;
  login_name: string | null;
  machine_id: string;
  priority: number;
}

type Recorded = RecordedEvent<LicenseEvent['type'], LicenseEvent['data']>;
const domain = (r: Recorded) => ({ type: r.type, data: r.data }) as LicenseEvent;

const licensesFold: RowFold<LicenseRow, Recorded> = {
  table: 'licenses',
  key: ['sn'],
  keysOf: (r) => (r.type === 'LicenseIssued' || r.type === 'LicenseDisabled' || r.type === 'LicenseEnabled' ? { sn: (r.data as { sn: string }).sn } : null),
  evolve(row, r) {
    const e = domain(r);
    if (e.type === 'LicenseIssued') {
      const d = e.data;
      return {
        sn: d.sn,
        fk_snid: Number(r.position.prepare),
        license_type: d.licenseType,
        seats: d.seats,
        valid_from: d.validFrom,
        valid_until: d.validUntil,
        disabled: d.disabled,
        heartbeat_seconds: d.heartbeatSeconds,
        session_timeout_seconds: d.sessionTimeoutSeconds,
        issued_at: d.issuedAt,
        updated_at: d.issuedAt,
      };
    }
    if (!row) return null;
    if (e.type === 'LicenseDisabled') return { ...row, disabled: true, updated_at: e.data.at };
    if (e.type === 'LicenseEnabled') return { ...row, disabled: false, updated_at: e.data.at };
    return row;
  },
};

function sessionLogsFold(snids: ReadonlyMap<string, number>): RowFold<SessionLogRow, Recorded> {
  return {
    table: 'license_session_logs',
    key: ['session_id'],
    keysOf: (r) => (r.type.startsWith('LicenseSession') ? { session_id: (r.data as { sessionId: string }).sessionId } : null),
    evolve(row, r) {
      const e = domain(r);
      switch (e.type) {
        case 'LicenseSessionStarted':
        case 'LicenseSessionRefused': {
          const d = e.data;
          const started = e.type === 'LicenseSessionStarted' ? e.data : null;
          const at = started ? started.startedAt : (d as { at: string }).at;
          return {
            session_id: d.sessionId,
            sn: d.sn,
            fk_snid: snids.get(d.sn) ?? 0,
            kind: d.kind,
            status: d.kind,
            live: started !== null,
            deadline: started ? started.deadline : null,
            start_time: at,
            // A checkout's end is known from the start (the borrow's end); a refusal ends at once.
            end_time: started ? (d.kind === 'checkout' ? started.deadline : null) : at,
            client_version: d.clientVersion,
            cmd_exe_num: 0,
            error_code: started ? 0 : (d as { errorCode: number }).errorCode,
            failure: started ? null : (d as { failure: string }).failure,
            fk_mid_id: d.fkMidId,
            login_ip: d.loginIp,
            number: started ? started.seat : 0,
            fk_user_id: d.userId,
            fk_user_name_id: d.fkUserNameId,
            uid: d.uid,
            login_name: d.loginName,
            machine_id: d.machineId,
            priority: started ? started.priority : 0,
          };
        }
        case 'LicenseSessionHeartbeat':
          return row && row.live ? { ...row, cmd_exe_num: row.cmd_exe_num + 1, deadline: e.data.deadline } : row;
        case 'LicenseSessionEnded':
          return row && row.live ? { ...row, live: false, deadline: null, status: e.data.status, end_time: e.data.at } : row;
        default:
          return row;
      }
    },
  };
}

export const licensesProjection: Projection = {
  name: 'licenses',
  version: 1,
  eventTypes: licenseEventTypes,
  tables: {
    licenses: `
      sn text primary key,
      fk_snid bigint not null,
      license_type text not null,
      seats integer not null,
      valid_from timestamptz not null,
      valid_until timestamptz not null,
      disabled boolean not null,
      heartbeat_seconds integer not null,
      session_timeout_seconds integer not null,
      issued_at timestamptz not null,
      updated_at timestamptz not null`,
    license_session_logs: `
      session_id text primary key,
      sn text not null,
      fk_snid bigint not null,
      kind text not null,
      status text not null,
      live boolean not null,
      deadline timestamptz,
      start_time timestamptz not null,
      end_time timestamptz,
      client_version text not null,
      cmd_exe_num integer not null,
      error_code integer not null,
      failure text,
      fk_mid_id integer not null,
      login_ip text,
      number integer not null,
      fk_user_id bigint not null,
      fk_user_name_id integer not null,
      uid bigint not null,
      login_name text,
      machine_id text not null,
      priority integer not null`,
  },
  indexes: [
    'create index {{table:licenses}}_by_issued on {{table:licenses}} (issued_at, sn)',
    // The columns filtered most often ride along, so a filtered count of a busy SN reads the index only.
    'create index {{table:license_session_logs}}_by_start on {{table:license_session_logs}} (sn, start_time, session_id) include (error_code, status)',
    'create index {{table:license_session_logs}}_by_end on {{table:license_session_logs}} (sn, end_time, session_id)',
    'create index {{table:license_session_logs}}_by_user on {{table:license_session_logs}} (sn, fk_user_id, session_id)',
    'create index {{table:license_session_logs}}_by_uid on {{table:license_session_logs}} (sn, uid, session_id)',
    'create index {{table:license_session_logs}}_by_error on {{table:license_session_logs}} (sn, error_code, start_time)',
    'create index {{table:license_session_logs}}_by_status on {{table:license_session_logs}} (sn, status, start_time)',
    'create index {{table:license_session_logs}}_by_login_name on {{table:license_session_logs}} (sn, login_name)',
    'create index {{table:license_session_logs}}_overdue on {{table:license_session_logs}} (deadline) where live',
  ],
  keyColumns: { licenses: ['sn'], license_session_logs: ['session_id'] },
  async apply(trx, events, tables) {
    await applyRowFold(trx, tables, licensesFold, events);
    const sns = [...new Set(events.filter((e) => e.type.startsWith('LicenseSession')).map((e) => (e.data as { sn: string }).sn))];
    if (sns.length === 0) return;
    const rows = (await trx(tables.licenses!).whereIn('sn', sns).select('sn', 'fk_snid')) as Array<{ sn: string; fk_snid: string | number }>;
    await applyRowFold(trx, tables, sessionLogsFold(new Map(rows.map((r) => [r.sn, Number(r.fk_snid)]))), events);
  },
};
