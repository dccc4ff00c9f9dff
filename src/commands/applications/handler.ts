import { randomBytes } from 'node:crypto';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { seal, unseal } from '../../secrets/sealed-box';
import { refusal } from '../refusals';
import { handleCommand, loadState } from '../handle';
import { appDecider, wechatAppDecider, type AppEvent, type AppSettings, type AppState, type WechatAppEvent, type WechatAppState } from './decider';
import { appStream, wechatAppStream } from './events';

export interface ApplicationDeps {
  store: EventStore;
  dataKey: Buffer;
}

export const newAppId = (): string => randomBytes(16).toString('hex');

export async function registerApp(deps: ApplicationDeps, settings: AppSettings, metadata: EventMetadata): Promise<{ appId: string }> {
  const appId = newAppId();
  await handleCommand({ store: deps.store, metadata }, appStream(appId), appDecider, { type: 'RegisterApp', appId, ...settings, now: new Date(metadata.time) });
  return { appId };
}

export async function changeAppSettings(deps: ApplicationDeps, appId: string, settings: AppSettings, metadata: EventMetadata): Promise<AppState> {
  const result = await handleCommand({ store: deps.store, metadata }, appStream(appId), appDecider, { type: 'ChangeAppSettings', ...settings, now: new Date(metadata.time) });
  return result.state;
}

/** The write model of an app: what a sign-in needs (mode and token life), never a projection. */
export async function loadApp(store: EventStore, appId: string): Promise<AppState> {
  if (!/^[0-9a-f]{32}$/.test(appId)) return appDecider.initialState();
  return (await loadState<AppState, AppEvent>(store, appStream(appId), appDecider)).state;
}

export async function configureWechatApp(deps: ApplicationDeps, weChatAppId: string, secret: string, metadata: EventMetadata): Promise<void> {
  await handleCommand({ store: deps.store, metadata }, wechatAppStream(weChatAppId), wechatAppDecider, {
    type: 'ConfigureWechatApp',
    weChatAppId,
    sealedSecret: seal(secret, deps.dataKey),
    now: new Date(metadata.time),
  });
}

/** The WeChat app secret, opened only to call WeChat; an unconfigured weChatAppId is the caller's mistake (430). */
export async function wechatAppSecret(deps: ApplicationDeps, weChatAppId: string): Promise<string> {
  const { state } = await loadState<WechatAppState, WechatAppEvent>(deps.store, wechatAppStream(weChatAppId), wechatAppDecider);
  if (!state.sealedSecret) throw refusal('wechat_app_unconfigured');
  return unseal(state.sealedSecret, deps.dataKey);
}
