import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's callback encryption ("安全模式"), done by us because we do not run behind Cloud Run:
 * key = Base64(EncodingAESKey + "="), AES-256-CBC with IV = the key's first 16 bytes, PKCS#7
 * padding to 32-byte blocks (pad values 1–32, which Node's own padding would reject), plaintext =
 * 16 random bytes + 4-byte big-endian message length + message + appid.
 */

export type CallbackCryptoFailure = 'bad_key' | 'bad_signature' | 'malformed' | 'bad_padding' | 'wrong_appid';

export class CallbackCryptoError extends Error {
  constructor(readonly reason: CallbackCryptoFailure) {
    super(`callback refused: ${reason}`);
    this.name = 'CallbackCryptoError';
  }
}

const BLOCK = 32;

/** The 32-byte AES key an EncodingAESKey (43 Base64 characters) stands for. */
export function callbackKey(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) throw new CallbackCryptoError('bad_key');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new CallbackCryptoError('bad_key');
  return key;
}

/** SHA-1 over the parts sorted as strings and joined: `signature` (token, timestamp, nonce) or `msg_signature` (plus the ciphertext). */
export function callbackSignature(...parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Opens a Base64 ciphertext and returns the message, refusing bad padding or another appid. */
export function decryptCallback(key: Buffer, ciphertext: string, expectedAppId: string): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(ciphertext)) throw new CallbackCryptoError('malformed');
  const bytes = Buffer.from(ciphertext, 'base64');
  if (bytes.length === 0 || bytes.length % 16 !== 0) throw new CallbackCryptoError('malformed');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > BLOCK || pad > plain.length) throw new CallbackCryptoError('bad_padding');
  for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) throw new CallbackCryptoError('bad_padding');
  const content = plain.subarray(0, plain.length - pad);
  if (content.length < 20) throw new CallbackCryptoError('malformed');
  const length = content.readUInt32BE(16);
  if (20 + length > content.length) throw new CallbackCryptoError('malformed');
  const message = content.subarray(20, 20 + length).toString('utf8');
  const appId = content.subarray(20 + length).toString('utf8');
  if (appId !== expectedAppId) throw new CallbackCryptoError('wrong_appid');
  return message;
}

/** Seals a reply the way WeChat expects it back; `random16` only for reproducing published vectors. */
export function encryptCallback(key: Buffer, message: string, appId: string, random16: Buffer = randomBytes(16)): string {
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const content = Buffer.concat([random16, length, body, Buffer.from(appId, 'utf8')]);
  const pad = BLOCK - (content.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([content, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}
