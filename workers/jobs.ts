import type { Dependencies } from '../src/runtime/dependencies';
import type { JobDefinition } from './host';

/**
 * Every kind of background job this service runs. Each context adds its definitions here
 * (WeChat token refresh, license-session expiry, WeCom sync, message sending), built from the
 * same dependencies as the API so jobs append through the same command handlers.
 */
export function allJobs(_deps: Dependencies): JobDefinition[] {
  return [];
}
