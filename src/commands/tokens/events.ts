/**
 * The token context. Each token has its own stream, `token-<id>`; secrets appear only as SHA-256.
 * Exclusive-mode apps add one stream per (user, app), `seat-<userId>-<appId>`: whoever holds the
 * seat holds the only valid token, and optimistic concurrency on that one stream decides races.
 */
export type TokenMode = 'shared' | 'exclusive';
export type SignInMethod = 'password' | 'sms' | 'wechat';

export type TokenEvent =
  | {
      type: 'TokenIssued';
      data: {
        tokenId: string;
        userId: string;
        userName: string | null;
        appId: string;
        tenantId: string | null;
        deviceId: string | null;
        mode: TokenMode;
        method: SignInMethod;
        accessSecretHash: string;
        refreshSecretHash: string;
        lifeMs: number;
        issuedAt: string;
        expiresAt: string;
        failsAt: string;
      };
    }
  | { type: 'TokenRefreshed'; data: { tokenId: string; accessSecretHash: string; refreshCount: number; expiresAt: string; failsAt: string; at: string } }
  | { type: 'TokenRevoked'; data: { tokenId: string; at: string } };

export type SeatEvent = { type: 'SeatTaken'; data: { userId: string; appId: string; tokenId: string; previousTokenId: string | null; at: string } };

export const tokenEventTypes: TokenEvent['type'][] = ['TokenIssued', 'TokenRefreshed', 'TokenRevoked'];

export const tokenStream = (tokenId: string): string => `token-${tokenId}`;
export const seatStream = (userId: string, appId: string): string => `seat-${userId}-${appId}`;
