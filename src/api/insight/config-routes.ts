import type { Dependencies } from '../../runtime/dependencies';
import type { Route } from '../route';

export function configRoutes(_deps: Dependencies): Route[] {
  return [];
}
