import { memberRepo } from './member-repo.js';
import { resourceRepo } from './resource-repo.js';
import { roleRepo } from './role-repo.js';
import { tokenPolicyRepo } from './token-policy-repo.js';
import { tokenRepo } from './token-repo.js';

/**
 * The repositories a use case works with, passed to it rather than imported by it (DESIGN.md
 * decision 8), so that a service's dependencies are visible in its signature.
 */
export interface Repositories {
  readonly tokens: typeof tokenRepo;
  readonly members: typeof memberRepo;
  readonly roles: typeof roleRepo;
  readonly resources: typeof resourceRepo;
  readonly tokenPolicies: typeof tokenPolicyRepo;
}

/** The DynamoDB-backed repositories every function uses. */
export const repositories: Repositories = {
  tokens: tokenRepo,
  members: memberRepo,
  roles: roleRepo,
  resources: resourceRepo,
  tokenPolicies: tokenPolicyRepo,
};
