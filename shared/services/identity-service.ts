import { z } from 'zod';
import { memberRepo } from '../data/member-repo.js';
import { resourceRepo } from '../data/resource-repo.js';
import { isKnownAction } from '../domain/actions.js';
import {
  parseResource,
  type Resource,
  type ResourceSegment,
  ResourceSyntaxError,
} from '../domain/resource.js';
import { invalid } from '../http/errors.js';
import { parseInput } from '../http/validation.js';
import type { Principal } from './principal.js';

export function callerIdentity(principal: Principal) {
  return {
    accountId: principal.accountId,
    memberId: principal.memberId,
    tokenId: principal.tokenId,
    tokenName: principal.tokenName,
    tokenKind: principal.serviceToken ? 'service' : 'personal',
    role:
      principal.scope.kind === 'role'
        ? principal.scope.role
        : principal.scope.kind === 'customRoles'
          ? 'custom'
          : 'inline',
    serviceToken: principal.serviceToken,
  };
}

const checkSchema = z.strictObject({
  action: z.string().refine(isKnownAction, 'is not a known action'),
  resource: z.string().min(1).max(512),
});

/**
 * The tags a stored resource carries (the owner's `owner` tag, a project's or flag's tags) are added
 * to the resource the caller names, so the answer is the one the real request would get.
 */
async function withStoredTags(accountId: string, resource: Resource): Promise<Resource> {
  const keyOf = (kind: string) => resource.segments.find((s) => s.kind === kind)?.key;
  const concrete = (key: string | undefined): key is string => key !== undefined && !key.includes('*');
  const member = keyOf('member');
  const project = keyOf('proj');
  const flag = keyOf('flag');
  const [memberRecord, projectRecord, flagRecord] = await Promise.all([
    concrete(member) ? memberRepo.get(accountId, member) : undefined,
    concrete(project) ? resourceRepo.getProject(accountId, project) : undefined,
    concrete(project) && concrete(flag) ? resourceRepo.getFlag(accountId, project, flag) : undefined,
  ]);
  const stored: Record<string, readonly string[]> = {
    member: memberRecord?.role === 'owner' ? ['owner'] : [],
    proj: projectRecord?.tags ?? [],
    flag: flagRecord?.tags ?? [],
  };
  const segments: ResourceSegment[] = resource.segments.map((s) => ({
    ...s,
    tags: [...new Set([...s.tags, ...(stored[s.kind] ?? [])])],
  }));
  return { shape: resource.shape, segments };
}

/** The effective decision for the calling token right now, and which side denied it. */
export async function checkAccess(principal: Principal, body: unknown) {
  const input = parseInput(checkSchema, body);
  let named: Resource;
  try {
    named = parseResource(input.resource);
  } catch (error) {
    if (error instanceof ResourceSyntaxError) throw invalid(`resource: ${error.message}`);
    throw error;
  }
  const resource = await withStoredTags(principal.accountId, named);
  const decision = principal.permissions.decide(input.action, resource);
  return {
    allowed: decision.allowed,
    reason: decision.reason,
    ...(decision.deniedBy ? { deniedBy: decision.deniedBy } : {}),
  };
}
