import { main } from '../main';

export const SERVICE_ROLES = ['all', 'api', 'projector', 'workers'] as const;

/** `authledger start [role]`: the service as `npm start` runs it; returns once it has stopped on SIGINT/SIGTERM. */
export function startCommand(role: (typeof SERVICE_ROLES)[number]): Promise<number> {
  return main([role]);
}
