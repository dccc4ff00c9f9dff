import type { Redis } from 'ioredis';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { seal } from '../../secrets/sealed-box';
import { SETTINGS_STREAM, type WxComponentEvent } from './events';
import { componentTokenKey } from './tokens';
import { newEventId } from '../time-ordered-ids';

/**
 * Platform settings: the component secret (write-only, sealed) and the authorization page's
 * name/description/redirect. Last write wins; there is no invariant to guard, so the stream is
 * appended without an expected revision.
 */
export async function setComponentSecret(deps: { store: EventStore; redis: Redis; dataKey: Buffer }, secret: string, metadata: EventMetadata): Promise<void> {
  const event: WxComponentEvent = { type: 'ComponentSecretChanged', data: { sealedSecret: seal(secret, deps.dataKey), at: metadata.time } };
  await deps.store.appendToStream(SETTINGS_STREAM, [{ eventId: newEventId(), ...event, metadata }]);
  // A token obtained with the old secret is not trusted past this point.
  await deps.redis.del(componentTokenKey);
}

export interface ComponentInfo {
  name: string;
  desc: string;
  redirectUrl: string;
}

export async function setComponentInfo(store: EventStore, info: ComponentInfo, metadata: EventMetadata): Promise<void> {
  const event: WxComponentEvent = { type: 'ComponentInfoChanged', data: { ...info, at: metadata.time } };
  await store.appendToStream(SETTINGS_STREAM, [{ eventId: newEventId(), ...event, metadata }]);
}

/** The original's pass-through setting: whether unmatched requests go to a local port, and which. */
export interface ProxyConfig {
  open: boolean;
  port: number;
}

export const DEFAULT_PROXY_PORT = 8082;

export async function setProxyConfig(store: EventStore, config: ProxyConfig, metadata: EventMetadata): Promise<void> {
  const event: WxComponentEvent = { type: 'ProxyConfigChanged', data: { ...config, at: metadata.time } };
  await store.appendToStream(SETTINGS_STREAM, [{ eventId: newEventId(), ...event, metadata }]);
}

export interface SettingsView {
  info: ComponentInfo;
  secretSet: boolean;
  proxy: ProxyConfig;
}

/** Folds the (short) settings stream. */
export async function readSettings(store: EventStore): Promise<SettingsView> {
  const view: SettingsView = { info: { name: '', desc: '', redirectUrl: '' }, secretSet: false, proxy: { open: false, port: DEFAULT_PROXY_PORT } };
  for (const e of await store.readStream(SETTINGS_STREAM)) {
    const ev = { type: e.type, data: e.data } as WxComponentEvent;
    if (ev.type === 'ComponentInfoChanged') view.info = { name: ev.data.name, desc: ev.data.desc, redirectUrl: ev.data.redirectUrl };
    if (ev.type === 'ComponentSecretChanged') view.secretSet = true;
    if (ev.type === 'ProxyConfigChanged') view.proxy = { open: ev.data.open, port: ev.data.port };
  }
  return view;
}
