import { usersProjection } from './identity/users';
import type { Projection } from './projection';

/** Every read model the projector runs. */
export const allProjections: Projection[] = [usersProjection];
