import type { Dependencies } from '../../runtime/dependencies';
import type { Route } from '../route';

export function navigatorRoutes(_deps: Dependencies): Route[] {
  return [];
}
