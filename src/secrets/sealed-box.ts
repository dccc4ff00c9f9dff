import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets we must be able to give back (a password's MD5 for the Insight signature,
 * WeChat tokens). Format: `v1.<iv>.<tag>.<ciphertext>` in base64url; `v1` names the key generation
 * so a rotated DATA_KEY can still open older boxes.
 */
export function seal(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export class SealedBoxError extends Error {
  constructor() {
    super('sealed value cannot be opened with this key');
    this.name = 'SealedBoxError';
  }
}

export function unseal(box: string, key: Buffer): string {
  const parts = box.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') throw new SealedBoxError();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[1]!, 'base64url'));
    decipher.setAuthTag(Buffer.from(parts[2]!, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SealedBoxError();
  }
}
