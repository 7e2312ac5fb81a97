import { z } from 'zod';
import { isKnownAction } from '../domain/actions.js';
import { parseResource, ResourceSyntaxError } from '../domain/resource.js';
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

/** The effective decision for the calling token right now, and which side denied it. */
export function checkAccess(principal: Principal, body: unknown) {
  const input = parseInput(checkSchema, body);
  let resource: ReturnType<typeof parseResource>;
  try {
    resource = parseResource(input.resource);
  } catch (error) {
    if (error instanceof ResourceSyntaxError) throw invalid(`resource: ${error.message}`);
    throw error;
  }
  const decision = principal.permissions.decide(input.action, resource);
  return {
    allowed: decision.allowed,
    reason: decision.reason,
    ...(decision.deniedBy ? { deniedBy: decision.deniedBy } : {}),
  };
}
