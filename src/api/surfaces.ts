import type { Dependencies } from '../runtime/dependencies';
import { insightSurface } from './insight/surface';
import { insightGatewaySurface } from './insight/gateway-surface';
import type { Surface } from './surface';
import { v1Surface } from './v1/surface';
import { wxcomponentSurface } from './wxcomponent/surface';
import { bitanswerSurface } from './bitanswer/surface';
import { laravelSurface } from './laravel/surface';

/** Every API surface the service mounts; each context adds its own here. */
export function allSurfaces(deps: Dependencies): Surface[] {
  return [v1Surface(deps), insightSurface(deps), insightGatewaySurface(deps), wxcomponentSurface(deps), bitanswerSurface(deps), laravelSurface(deps)];
}
