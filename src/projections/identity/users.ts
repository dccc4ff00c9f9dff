import type { IdentityEvent } from '../../commands/identity/events';
import { identityEventTypes } from '../../commands/identity/events';
import type { RecordedEvent } from '../../eventstore/port';
import type { Projection } from '../projection';
import { applyRowFold, type RowFold } from '../upsert';

/** One row per user for lists and lookups. The write side never reads it (it folds the stream). */
export interface UserRow {
  id: string;
  account: string;
  name: string;
  mobile: string | null;
  email: string | null;
  head_img: string | null;
  tenant_id: string | null;
  builtin: boolean;
  roles: string[];
  disabled: boolean;
  union_id: string | null;
  /** WeCom userid while the user is a member there (directory sync), and their WeCom department ids. */
  wecom_userid: string | null;
  departments: number[];
  failed_sign_ins: number;
  locked_until: string | null;
  last_sign_in_at: string | null;
  created_at: string;
  updated_at: string;
  /** The stream revision this row reflects. */
  revision: number;
}

type UserEvent = RecordedEvent<IdentityEvent['type'], IdentityEvent['data']>;

function evolveRow(row: UserRow | null, recorded: UserEvent): UserRow | null {
  const event = { type: recorded.type, data: recorded.data } as IdentityEvent;
  const touched = (r: UserRow, at: string): UserRow => ({ ...r, updated_at: at, revision: recorded.revision });
  if (event.type === 'UserRegistered') {
    const d = event.data;
    return {
      id: d.userId,
      account: d.account,
      name: d.name,
      mobile: d.mobile,
      email: d.email,
      head_img: d.headImg,
      tenant_id: d.tenantId,
      builtin: d.builtin,
      roles: d.roles,
      disabled: false,
      union_id: null,
      wecom_userid: null,
      departments: [],
      failed_sign_ins: 0,
      locked_until: null,
      last_sign_in_at: null,
      created_at: d.registeredAt,
      updated_at: d.registeredAt,
      revision: recorded.revision,
    };
  }
  if (!row) return null;
  switch (event.type) {
    case 'UserPasswordChanged':
      return touched({ ...row, failed_sign_ins: 0, locked_until: null }, event.data.changedAt);
    case 'UserSignedIn':
      return touched({ ...row, failed_sign_ins: 0, locked_until: null, last_sign_in_at: event.data.at }, event.data.at);
    case 'UserSignInFailed':
      return touched({ ...row, failed_sign_ins: event.data.failures }, event.data.at);
    case 'UserLocked':
      return touched({ ...row, locked_until: event.data.until }, event.data.at);
    case 'UserDisabled':
      return touched({ ...row, disabled: true }, event.data.at);
    case 'UserEnabled':
      return touched({ ...row, disabled: false }, event.data.at);
    case 'UserAccountRenamed':
      return touched({ ...row, account: event.data.account }, event.data.at);
    case 'UserWechatBound':
      return touched({ ...row, union_id: event.data.unionId }, event.data.at);
    case 'UserWecomLinked':
      return touched({ ...row, wecom_userid: event.data.wecomUserId, departments: event.data.departments }, event.data.at);
    case 'UserWecomUnlinked':
      return touched({ ...row, wecom_userid: null, departments: [] }, event.data.at);
    case 'UserDepartmentsChanged':
      return touched({ ...row, departments: event.data.departments }, event.data.at);
    case 'UserProfileUpdated': {
      const { name, mobile, email, headImg } = event.data;
      return touched({ ...row, name, mobile, email, head_img: headImg }, event.data.at);
    }
  }
}

const usersFold: RowFold<UserRow, UserEvent> = {
  table: 'users',
  key: ['id'],
  keysOf: (e) => ({ id: (e.data as { userId: string }).userId }),
  evolve: (row, e) => evolveRow(row, e),
};

export const usersProjection: Projection = {
  name: 'users',
  version: 3,
  eventTypes: identityEventTypes,
  tables: {
    users: `
      id text primary key,
      account text not null,
      name text not null,
      mobile text,
      email text,
      head_img text,
      tenant_id text,
      builtin boolean not null,
      roles jsonb not null,
      disabled boolean not null,
      union_id text,
      wecom_userid text,
      departments jsonb not null,
      failed_sign_ins integer not null,
      locked_until text,
      last_sign_in_at text,
      created_at text not null,
      updated_at text not null,
      revision integer not null`,
  },
  indexes: [
    'create index {{table:users}}_by_account on {{table:users}} (lower(account))',
    'create index {{table:users}}_by_created on {{table:users}} (created_at, id)',
  ],
  keyColumns: { users: ['id'] },
  async apply(trx, events, tables) {
    await applyRowFold(trx, tables, usersFold, events);
  },
};
