import { appsProjection } from './applications/apps';
import { usersProjection } from './identity/users';
import { interfaceConfigsProjection } from './configs/interface-configs';
import { permissionsProjection } from './permissions/permissions';
import type { Projection } from './projection';
import { wxcomponentProjection } from './wxcomponent/records';
import { licensesProjection } from './licenses/licenses';
import { departmentsProjection } from './wecom/departments';
import { filesProjection } from './files/files';
import { rbacProjection } from './rbac/roles';

/** Every read model the projector runs. */
export const allProjections: Projection[] = [usersProjection, appsProjection, permissionsProjection, interfaceConfigsProjection, wxcomponentProjection, licensesProjection, filesProjection, rbacProjection, departmentsProjection];
