import { createHash } from 'node:crypto';
import type { UniqueClaim } from '../../eventstore/port';
import type { RuleEvent } from './rules';

/**
 * The WeChat third-party platform context. Streams: one per received callback, named by its
 * retry key (`wxcallback-<hash>`, so the append itself refuses a retry), one per authorizer
 * (`wxauthorizer-<appid>`), `wxcomponent-settings` and `wxcomponent-token`. Tickets, tokens,
 * refresh tokens and the secret appear only sealed with DATA_KEY. Forwarding rules have their own
 * streams (`wxrule-<id>`, rules.ts). Each kind of stream has its decider: callback-decider.ts,
 * settings-decider.ts, token-decider.ts (component token and authorizers), rules.ts.
 */
export interface AuthorizerProfile {
  appType: number;
  serviceType: number;
  nickName: string;
  userName: string;
  headImg: string;
  qrcodeUrl: string;
  principalName: string;
  verifyInfo: number;
  /** `|1|17|18`, as the original lists the granted permission sets. */
  funcInfo: string;
}

export type WxComponentEvent =
  | {
      type: 'WxComponentCallbackReceived';
      data: {
        appId: string;
        infoType: string;
        /** WeChat's CreateTime, Unix seconds. */
        createTime: number;
        receivedAt: string;
        authorizerAppid: string | null;
        /** The decrypted fields as JSON, credentials (ticket, authorization code) replaced by a marker. */
        postBody: string;
        /** component_verify_ticket only: the ticket, sealed. */
        sealedTicket: string | null;
        /** authorized/updateauthorized only: the authorization code, sealed, for the exchange job. */
        sealedAuthorizationCode: string | null;
      };
    }
  | {
      type: 'WxBizCallbackReceived';
      data: {
        appid: string;
        toUserName: string;
        fromUserName: string;
        msgType: string;
        event: string;
        createTime: number;
        msgId: string | null;
        receivedAt: string;
        postBody: string;
      };
    }
  | { type: 'ComponentSecretChanged'; data: { sealedSecret: string; at: string } }
  /** What the public authorization page shows about the platform. */
  | { type: 'ComponentInfoChanged'; data: { name: string; desc: string; redirectUrl: string; at: string } }
  | { type: 'ProxyConfigChanged'; data: { open: boolean; port: number; at: string } }
  | { type: 'ComponentAccessTokenRefreshed'; data: { sealedToken: string; expiresAt: string; at: string } }
  | {
      type: 'AuthorizerAuthorized';
      data: {
        appid: string;
        /** What told us: a callback (authorized/updateauthorized) or a pull of the authorizer list. */
        source: 'authorized' | 'updateauthorized' | 'pulled';
        profile: AuthorizerProfile;
        sealedRefreshToken: string;
        /** Present when the exchange returned an access token with it. */
        sealedAccessToken: string | null;
        accessTokenExpiresAt: string | null;
        authTime: string;
      };
    }
  | { type: 'AuthorizerTokenRefreshed'; data: { appid: string; sealedAccessToken: string; sealedRefreshToken: string; expiresAt: string; at: string } }
  | { type: 'AuthorizerUnauthorized'; data: { appid: string; at: string } }
  | ForwardEvent
  | RuleEvent;

/** A forwarding of a recorded callback to a rule's target, on the callback's own stream. */
export type ForwardEvent =
  | { type: 'WxCallbackForwarded'; data: { callbackEventId: string; ruleId: number; mode: 'inline' | 'async'; status: number; ms: number; at: string } }
  | { type: 'WxCallbackForwardFailed'; data: { callbackEventId: string; ruleId: number; mode: 'inline' | 'async'; reason: string; attempt: number; final: boolean; at: string } };

/** The events of one kind of stream. */
export type CallbackReceivedEvent = Extract<WxComponentEvent, { type: 'WxComponentCallbackReceived' | 'WxBizCallbackReceived' }>;
export type CallbackEvent = CallbackReceivedEvent | ForwardEvent;
export type SettingsEvent = Extract<WxComponentEvent, { type: 'ComponentSecretChanged' | 'ComponentInfoChanged' | 'ProxyConfigChanged' }>;
export type ComponentTokenEvent = Extract<WxComponentEvent, { type: 'ComponentAccessTokenRefreshed' }>;
export type AuthorizerEvent = Extract<WxComponentEvent, { type: 'AuthorizerAuthorized' | 'AuthorizerTokenRefreshed' | 'AuthorizerUnauthorized' }>;

export type WxComponentEventType = WxComponentEvent['type'];

/** One stream per retry key (hashed: keys carry openids), so a retry finds its stream taken. */
export const callbackStream = (key: UniqueClaim): string => `wxcallback-${createHash('sha256').update(`${key.scope}\n${key.value}`).digest('hex').slice(0, 40)}`;
export const authorizerStream = (appid: string): string => `wxauthorizer-${appid}`;
export const SETTINGS_STREAM = 'wxcomponent-settings';
export const COMPONENT_TOKEN_STREAM = 'wxcomponent-token';

/** Fields whose values are credentials: kept out of postBody in the clear. */
export const SEALED_FIELDS = ['ComponentVerifyTicket', 'AuthorizationCode', 'PreAuthCode'] as const;
export const SEALED_MARKER = '[sealed]';
