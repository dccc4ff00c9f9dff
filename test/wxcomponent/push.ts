import { randomBytes } from 'node:crypto';
import { callbackKey, callbackSignature, encryptCallback } from '../../src/wechat/crypto';
import { buildFlatXml } from '../../src/wechat/xml';

/** The platform credentials a test service runs with. */
export const COMPONENT = {
  appId: 'wx74c7e8d941e8a139',
  secret: 'componentsecret0123456789abcdef',
  token: 'callbacktoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

export const componentEnv = (wechatBase: string): Record<string, string> => ({
  WECHAT_API_BASE: wechatBase,
  WECHAT_COMPONENT_APPID: COMPONENT.appId,
  WECHAT_COMPONENT_SECRET: COMPONENT.secret,
  WECHAT_COMPONENT_TOKEN: COMPONENT.token,
  WECHAT_COMPONENT_AES_KEY: COMPONENT.encodingAesKey,
});

export interface Push {
  query: string;
  body: string;
}

/** A push encrypted and signed the way WeChat sends it (safe mode). */
export function encryptedPush(fields: Record<string, string | number>, options: { appId?: string; token?: string; timestamp?: string; nonce?: string } = {}): Push {
  const encrypt = encryptCallback(callbackKey(COMPONENT.encodingAesKey), buildFlatXml(fields), options.appId ?? COMPONENT.appId);
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? String(randomBytes(4).readUInt32BE(0));
  const signature = callbackSignature(options.token ?? COMPONENT.token, timestamp, nonce, encrypt);
  return {
    query: `?signature=${callbackSignature(COMPONENT.token, timestamp, nonce)}&timestamp=${timestamp}&nonce=${nonce}&encrypt_type=aes&msg_signature=${signature}`,
    body: `<xml><ToUserName><![CDATA[${COMPONENT.appId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
  };
}
