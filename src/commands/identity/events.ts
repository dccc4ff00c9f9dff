/** The identity context: one stream per user, `user-<id>`. Passwords appear only sealed (see secrets/sealed-box). */
export type Surface = 'v1' | 'insight' | 'laravel' | 'wxcomponent';

export interface UserProfile {
  account: string;
  name: string;
  mobile: string | null;
  email: string | null;
  headImg: string | null;
  tenantId: string | null;
}

export type IdentityEvent =
  | {
      type: 'UserRegistered';
      data: UserProfile & {
        userId: string;
        builtin: boolean;
        roles: string[];
        /** MD5(password) sealed with DATA_KEY: the Insight signature needs MD5(password) back. */
        sealedPasswordMd5: string;
        registeredAt: string;
      };
    }
  | { type: 'UserPasswordChanged'; data: { userId: string; sealedPasswordMd5: string; changedAt: string } }
  | { type: 'UserSignedIn'; data: { userId: string; surface: Surface; at: string } }
  /**
   * A sign-in refused after its proof held (`disabled`, `not_permitted`: not an administrator where
   * one is required). `bad_password` and `locked`, with their `failures` count, and UserLocked are
   * no longer recorded here (counted per client address now) but stay readable in old streams.
   */
  | { type: 'UserSignInFailed'; data: { userId: string; surface: Surface; reason: 'bad_password' | 'locked' | 'disabled' | 'not_permitted'; failures: number; at: string } }
  | { type: 'UserLocked'; data: { userId: string; until: string; failures: number; at: string } }
  | { type: 'UserDisabled'; data: { userId: string; at: string } }
  | { type: 'UserEnabled'; data: { userId: string; at: string } }
  /** A WeChat unionid now signs this user in; `previousUnionId` is the one it replaced (its claim is released). */
  | { type: 'UserWechatBound'; data: { userId: string; unionId: string; previousUnionId: string | null; at: string } }
  /** The sign-in name changed (the wxcomponent admin's `username`); the old name's claim is released. */
  | { type: 'UserAccountRenamed'; data: { userId: string; account: string; previousAccount: string; at: string } }
  /** The user is (again) the WeCom member `wecomUserId` (directory sync, see commands/wecom). */
  | { type: 'UserWecomLinked'; data: { userId: string; wecomUserId: string; departments: number[]; at: string } }
  /** The member left WeCom (or was disabled there); a UserDisabled follows unless already disabled. */
  | { type: 'UserWecomUnlinked'; data: { userId: string; wecomUserId: string; at: string } }
  | { type: 'UserDepartmentsChanged'; data: { userId: string; departments: number[]; at: string } }
  /** Name, mobile, email or head image changed at their source; changed mobile/email claims move with it. */
  | { type: 'UserProfileUpdated'; data: { userId: string; name: string; mobile: string | null; email: string | null; headImg: string | null; at: string } };

export type IdentityEventType = IdentityEvent['type'];

export const identityEventTypes: IdentityEventType[] = [
  'UserRegistered',
  'UserPasswordChanged',
  'UserSignedIn',
  'UserSignInFailed',
  'UserLocked',
  'UserDisabled',
  'UserEnabled',
  'UserWechatBound',
  'UserAccountRenamed',
  'UserWecomLinked',
  'UserWecomUnlinked',
  'UserDepartmentsChanged',
  'UserProfileUpdated',
];

export const userStream = (userId: string): string => `user-${userId}`;
