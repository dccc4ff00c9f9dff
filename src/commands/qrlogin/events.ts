/**
 * QR-code scan login. One stream per nonce, named by the nonce's SHA-256: whoever holds the nonce
 * receives the token once it is confirmed, so the nonce itself is never stored. The token given
 * out is not recorded either, only that one was issued and to whom.
 */
export type QrLoginRefusal = 'expired' | 'used' | 'confirmed_by_another';

export type QrLoginEvent =
  | { type: 'QrLoginRequested'; data: { nonceHash: string; requestedAt: string; expiresAt: string } }
  | { type: 'QrLoginScanned'; data: { nonceHash: string; userId: string; at: string } }
  | { type: 'QrLoginConfirmed'; data: { nonceHash: string; userId: string; at: string } }
  | { type: 'QrLoginTokenIssued'; data: { nonceHash: string; userId: string; at: string } }
  | { type: 'QrLoginExpired'; data: { nonceHash: string; at: string } }
  | { type: 'QrLoginRefused'; data: { nonceHash: string; userId: string | null; reason: QrLoginRefusal; at: string } };

export const qrLoginEventTypes: QrLoginEvent['type'][] = [
  'QrLoginRequested',
  'QrLoginScanned',
  'QrLoginConfirmed',
  'QrLoginTokenIssued',
  'QrLoginExpired',
  'QrLoginRefused',
];

export const qrLoginStream = (nonceHash: string): string => `qrlogin-${nonceHash}`;
