/**
 * Laravel-template sign-in sessions: one stream per issued JWT, `laravel-session-<jti>`. The JWT
 * itself never appears; its id (jti) is the session id, which proves nothing without the signature.
 */
export type SignInVia = 'password' | 'qrcode' | 'wecom';

export type LaravelSessionEvent =
  | { type: 'LaravelSessionStarted'; data: { sessionId: string; userId: string; via: SignInVia; issuedAt: string; expiresAt: string } }
  | { type: 'LaravelSessionEnded'; data: { sessionId: string; userId: string; reason: 'logout'; at: string } };

export const laravelSessionEventTypes: LaravelSessionEvent['type'][] = ['LaravelSessionStarted', 'LaravelSessionEnded'];

export const laravelSessionStream = (sessionId: string): string => `laravel-session-${sessionId}`;
