import type { Dependencies } from '../runtime/dependencies';
import type { Surface } from './surface';
import { v1Surface } from './v1/surface';

/** Every API surface the service mounts; each context adds its own here. */
export function allSurfaces(deps: Dependencies): Surface[] {
  const { config, store } = deps;
  return [v1Surface({ store, dataKey: config.dataKey, jwtSecret: config.jwtSecret })];
}
