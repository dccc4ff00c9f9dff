/** BitAnswer back-office API keys (the `bitkey` header). One stream per key; only SHA-256 of the key is ever stored. */
export type BitkeyEvent =
  | { type: 'BitkeyCreated'; data: { keyId: string; name: string; keyHash: string; createdAt: string } }
  | { type: 'BitkeyRevoked'; data: { keyId: string; at: string } };

export const bitkeyEventTypes: BitkeyEvent['type'][] = ['BitkeyCreated', 'BitkeyRevoked'];

export const bitkeyStream = (keyId: string): string => `bitkey-${keyId}`;
