import type { Dependencies } from '../src/runtime/dependencies';
import { licenseJobs } from '../src/commands/licenses/jobs';
import { qrLoginJobs } from '../src/commands/qrlogin/jobs';
import { wecomJobs } from '../src/commands/wecom/jobs';
import { wxcomponentJobs } from '../src/commands/wxcomponent/jobs';
import type { JobDefinition } from '../src/jobs/definition';

/**
 * Every kind of background job this service runs. Each context adds its definitions here
 * (WeChat token refresh, license-session expiry, WeCom sync, message sending), built from the
 * same dependencies as the API so jobs append through the same command handlers.
 */
export function allJobs(deps: Dependencies): JobDefinition[] {
  return [...wxcomponentJobs(deps), ...licenseJobs(deps), ...qrLoginJobs(deps), ...wecomJobs(deps)];
}
