import { accept, type Decider, type Decision } from '../decider';
import type { SettingsEvent } from './events';

/**
 * The platform settings stream: the component secret (sealed by the shell before it gets here),
 * the authorization page's name/description/redirect, and the pass-through proxy. Each change is
 * recorded as given: last write wins, there is no invariant between them.
 */
export interface ComponentInfo {
  name: string;
  desc: string;
  redirectUrl: string;
}

/** The original's pass-through setting: whether unmatched requests go to a local port, and which. */
export interface ProxyConfig {
  open: boolean;
  port: number;
}

export const DEFAULT_PROXY_PORT = 8082;

export interface SettingsState {
  info: ComponentInfo;
  /** The newest secret set through the admin API, still sealed; null: configuration's. */
  sealedSecret: string | null;
  proxy: ProxyConfig;
}

export type SettingsCommand =
  | { type: 'ChangeComponentSecret'; sealedSecret: string; now: Date }
  | { type: 'ChangeComponentInfo'; info: ComponentInfo; now: Date }
  | { type: 'ChangeProxyConfig'; proxy: ProxyConfig; now: Date };

export function decideSettings(command: SettingsCommand): Decision<SettingsEvent> {
  const at = command.now.toISOString();
  switch (command.type) {
    case 'ChangeComponentSecret':
      return accept({ type: 'ComponentSecretChanged', data: { sealedSecret: command.sealedSecret, at } });
    case 'ChangeComponentInfo':
      return accept({ type: 'ComponentInfoChanged', data: { name: command.info.name, desc: command.info.desc, redirectUrl: command.info.redirectUrl, at } });
    case 'ChangeProxyConfig':
      return accept({ type: 'ProxyConfigChanged', data: { open: command.proxy.open, port: command.proxy.port, at } });
  }
}

export function evolveSettings(state: SettingsState, event: SettingsEvent): SettingsState {
  switch (event.type) {
    case 'ComponentSecretChanged':
      return { ...state, sealedSecret: event.data.sealedSecret };
    case 'ComponentInfoChanged':
      return { ...state, info: { name: event.data.name, desc: event.data.desc, redirectUrl: event.data.redirectUrl } };
    case 'ProxyConfigChanged':
      return { ...state, proxy: { open: event.data.open, port: event.data.port } };
    default:
      return state;
  }
}

export const settingsDecider: Decider<SettingsState, SettingsCommand, SettingsEvent> = {
  initialState: () => ({ info: { name: '', desc: '', redirectUrl: '' }, sealedSecret: null, proxy: { open: false, port: DEFAULT_PROXY_PORT } }),
  evolve: evolveSettings,
  decide: (command) => decideSettings(command),
};
