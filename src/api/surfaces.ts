import type { Dependencies } from '../runtime/dependencies';
import { insightSurface } from './insight/surface';
import type { Surface } from './surface';
import { v1Surface } from './v1/surface';

/** Every API surface the service mounts; each context adds its own here. */
export function allSurfaces(deps: Dependencies): Surface[] {
  return [v1Surface(deps), insightSurface(deps)];
}
