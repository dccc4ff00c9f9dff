/**
 * Interface configs: how the gateway treats one METHOD + URL (token required, permit required,
 * rate limits). One stream per config, `interface-config-<id>`; (method, url) is a unique claim
 * written with the append, so two configs can never share an endpoint.
 */

export type ConfigMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface ConfigFields {
  name: string;
  method: ConfigMethod;
  /** The full path, e.g. `/base/auth/v1.0/tokens/codes`; `{x}` stands for one path segment. */
  url: string;
  authCode: string | null;
  /** At most one call per this many seconds, per device. */
  limitGap: number | null;
  /** With limitMax: at most limitMax calls per limitCycle seconds, per device. */
  limitCycle: number | null;
  limitMax: number | null;
  /** What a refused caller is told (490). */
  message: string | null;
  remark: string | null;
  verify: boolean;
  limit: boolean;
}

/** The config as the change log's content shows it. */
export interface ConfigSnapshot extends ConfigFields {
  id: string;
  createdTime: string;
}

/** Who made the change, as the change log shows it. */
export interface ConfigActor {
  id: string | null;
  name: string | null;
}

export type ConfigEvent =
  | { type: 'InterfaceConfigCreated'; data: { config: ConfigSnapshot; by: ConfigActor; at: string } }
  | { type: 'InterfaceConfigUpdated'; data: { config: ConfigSnapshot; by: ConfigActor; at: string } }
  /** `config`: what was deleted. */
  | { type: 'InterfaceConfigDeleted'; data: { config: ConfigSnapshot; by: ConfigActor; at: string } };

export const configEventTypes: ConfigEvent['type'][] = ['InterfaceConfigCreated', 'InterfaceConfigUpdated', 'InterfaceConfigDeleted'];

export const configStream = (id: string): string => `interface-config-${id}`;

/** The endpoint a config governs, as claimed and as looked up: `GET /base/auth/v1.0/tokens/codes`. */
export const endpointKey = (method: string, url: string): string => `${method.toUpperCase()} ${url}`;
