/**
 * The applications context: one stream per Insight app, `app-<appId>`, and one per WeChat app whose
 * secret we hold, `wechat-app-<weChatAppId>` (the secret only sealed with DATA_KEY).
 */
import type { TokenMode } from '../tokens/events';

export type ApplicationEvent =
  | {
      type: 'AppRegistered';
      data: { appId: string; name: string; tokenMode: TokenMode; tokenLifeMs: number; autoRefresh: boolean; registeredAt: string };
    }
  | { type: 'AppSettingsChanged'; data: { appId: string; name: string; tokenMode: TokenMode; tokenLifeMs: number; autoRefresh: boolean; at: string } }
  | { type: 'WechatAppConfigured'; data: { weChatAppId: string; sealedSecret: string; at: string } };

export const applicationEventTypes: ApplicationEvent['type'][] = ['AppRegistered', 'AppSettingsChanged', 'WechatAppConfigured'];

export const appStream = (appId: string): string => `app-${appId}`;
export const wechatAppStream = (weChatAppId: string): string => `wechat-app-${weChatAppId}`;

/** The original's default: 2 hours. */
export const DEFAULT_TOKEN_LIFE_MS = 7_200_000;
