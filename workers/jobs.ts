import type { JobDefinition } from './host';

/**
 * Every kind of background job this service runs. Each context adds its own definitions here
 * (WeChat token refresh, license-session expiry, WeCom sync, message sending).
 */
export function allJobs(): JobDefinition[] {
  return [];
}
