import { accept, reject, type Decider } from '../decider';
import { DomainError } from '../domain-error';
import type { TokenMode } from '../tokens/events';
import type { ApplicationEvent } from './events';

export interface AppSettings {
  name: string;
  tokenMode: TokenMode;
  tokenLifeMs: number;
  autoRefresh: boolean;
}

export interface AppState {
  exists: boolean;
  appId: string | null;
  settings: AppSettings | null;
  createdAt: string | null;
}

export type AppCommand =
  | ({ type: 'RegisterApp'; appId: string; now: Date } & AppSettings)
  | ({ type: 'ChangeAppSettings'; now: Date } & AppSettings);

export type AppEvent = Extract<ApplicationEvent, { type: 'AppRegistered' | 'AppSettingsChanged' }>;

export const appDecider: Decider<AppState, AppCommand, AppEvent> = {
  initialState: () => ({ exists: false, appId: null, settings: null, createdAt: null }),
  evolve(state, event) {
    const { name, tokenMode, tokenLifeMs, autoRefresh } = event.data;
    if (event.type === 'AppRegistered') return { exists: true, appId: event.data.appId, settings: { name, tokenMode, tokenLifeMs, autoRefresh }, createdAt: event.data.registeredAt };
    return { ...state, settings: { name, tokenMode, tokenLifeMs, autoRefresh } };
  },
  decide(command, state) {
    const { name, tokenMode, tokenLifeMs, autoRefresh } = command;
    if (command.type === 'RegisterApp') {
      if (state.exists) return reject(new DomainError('already_exists', 'application already exists'));
      return accept({ type: 'AppRegistered', data: { appId: command.appId, name, tokenMode, tokenLifeMs, autoRefresh, registeredAt: command.now.toISOString() } });
    }
    if (!state.exists || !state.appId) return reject(new DomainError('not_found', 'no such application'));
    const s = state.settings!;
    if (s.name === name && s.tokenMode === tokenMode && s.tokenLifeMs === tokenLifeMs && s.autoRefresh === autoRefresh) return accept();
    return accept({ type: 'AppSettingsChanged', data: { appId: state.appId, name, tokenMode, tokenLifeMs, autoRefresh, at: command.now.toISOString() } });
  },
};

export interface WechatAppState {
  sealedSecret: string | null;
}

export type WechatAppEvent = Extract<ApplicationEvent, { type: 'WechatAppConfigured' }>;

export const wechatAppDecider: Decider<WechatAppState, { type: 'ConfigureWechatApp'; weChatAppId: string; sealedSecret: string; now: Date }, WechatAppEvent> = {
  initialState: () => ({ sealedSecret: null }),
  evolve: (_state, event) => ({ sealedSecret: event.data.sealedSecret }),
  decide: (command) => accept({ type: 'WechatAppConfigured', data: { weChatAppId: command.weChatAppId, sealedSecret: command.sealedSecret, at: command.now.toISOString() } }),
};
