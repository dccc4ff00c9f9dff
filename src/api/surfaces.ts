import type { Config } from '../config';
import type { EventStore } from '../eventstore/port';
import type { Surface } from './surface';
import { v1Surface } from './v1/surface';

/** Every API surface the service mounts (the four legacy ones join as their contexts land). */
export function allSurfaces(deps: { config: Config; store: EventStore }): Surface[] {
  return [v1Surface({ store: deps.store, dataKey: deps.config.dataKey, jwtSecret: deps.config.jwtSecret })];
}
