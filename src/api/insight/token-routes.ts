import type { Dependencies } from '../../runtime/dependencies';
import type { Route } from '../route';

export function tokenRoutes(_deps: Dependencies): Route[] {
  return [];
}
