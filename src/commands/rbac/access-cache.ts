import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Each user's effective roles and permissions, cached in Redis for the per-request permission
 * check. Every RBAC change sets a new generation after its append; a cached entry built under
 * another generation is rebuilt from the streams. The generation is read before the streams, so
 * an entry can never be labelled newer than the events it was built from.
 */
export const generationKey = 'laravel:rbac:gen';
export const accessKey = (userId: string): string => `laravel:access:${userId}`;

/** Also bounds how long a write-through lost to a Redis hiccup can linger. */
const ACCESS_TTL_MS = 10 * 60 * 1000;

export interface UserAccess {
  /** role name → display name */
  roles: Record<string, string>;
  perms: string[];
}

export async function newGeneration(redis: Redis): Promise<void> {
  await redis.set(generationKey, randomUUID());
}

export async function storeAccess(redis: Redis, userId: string, generation: string | null, access: UserAccess): Promise<void> {
  await redis.set(accessKey(userId), JSON.stringify({ g: generation ?? '', ...access }), 'PX', ACCESS_TTL_MS);
}

/** The cached access if it belongs to the current generation, else null. */
export function parseAccess(value: string | null, generation: string | null): UserAccess | null {
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value) as { g: string } & UserAccess;
    return parsed.g === (generation ?? '') ? { roles: parsed.roles, perms: parsed.perms } : null;
  } catch {
    return null;
  }
}
