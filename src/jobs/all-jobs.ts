import type { Dependencies } from '../runtime/dependencies';
import { licenseJobs } from '../commands/licenses/jobs';
import { qrLoginJobs } from '../commands/qrlogin/jobs';
import { wecomJobs } from '../commands/wecom/jobs';
import { wxcomponentJobs } from '../commands/wxcomponent/jobs';
import type { JobDefinition } from './definition';

/**
 * Every kind of background job this service runs. Each context adds its definitions here
 * (WeChat token refresh, license-session expiry, WeCom sync, message sending), built from the
 * same dependencies as the API so jobs append through the same command handlers.
 */
export function allJobs(deps: Dependencies): JobDefinition[] {
  return [...wxcomponentJobs(deps), ...licenseJobs(deps), ...qrLoginJobs(deps), ...wecomJobs(deps)];
}
