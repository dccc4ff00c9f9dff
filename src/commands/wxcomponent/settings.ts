import type { Redis } from 'ioredis';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { seal } from '../../secrets/sealed-box';
import { handleCommand, loadState } from '../handle';
import { SETTINGS_STREAM } from './events';
import { settingsDecider, type ComponentInfo, type ProxyConfig, type SettingsCommand } from './settings-decider';
import { componentTokenKey } from './tokens';

export { DEFAULT_PROXY_PORT, type ComponentInfo, type ProxyConfig } from './settings-decider';

/** Platform settings, through the settings decider: the secret (sealed here), the authorization page, the proxy. */
const change = (store: EventStore, command: SettingsCommand, metadata: EventMetadata) => handleCommand({ store, metadata }, SETTINGS_STREAM, settingsDecider, command);

export async function setComponentSecret(deps: { store: EventStore; redis: Redis; dataKey: Buffer }, secret: string, metadata: EventMetadata): Promise<void> {
  await change(deps.store, { type: 'ChangeComponentSecret', sealedSecret: seal(secret, deps.dataKey), now: new Date(metadata.time) }, metadata);
  // A token obtained with the old secret is not trusted past this point.
  await deps.redis.del(componentTokenKey);
}

export async function setComponentInfo(store: EventStore, info: ComponentInfo, metadata: EventMetadata): Promise<void> {
  await change(store, { type: 'ChangeComponentInfo', info, now: new Date(metadata.time) }, metadata);
}

export async function setProxyConfig(store: EventStore, proxy: ProxyConfig, metadata: EventMetadata): Promise<void> {
  await change(store, { type: 'ChangeProxyConfig', proxy, now: new Date(metadata.time) }, metadata);
}

export interface SettingsView {
  info: ComponentInfo;
  secretSet: boolean;
  proxy: ProxyConfig;
}

/** Folds the (short) settings stream. */
export async function readSettings(store: EventStore): Promise<SettingsView> {
  const { state } = await loadState(store, SETTINGS_STREAM, settingsDecider);
  return { info: state.info, secretSet: state.sealedSecret !== null, proxy: state.proxy };
}

/** The component secret set through the admin API, still sealed; null: none was. */
export async function sealedComponentSecret(store: EventStore): Promise<string | null> {
  return (await loadState(store, SETTINGS_STREAM, settingsDecider)).state.sealedSecret;
}
