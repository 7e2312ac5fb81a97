import type { Repositories } from '../data/repositories.js';
import type { Action } from '../domain/actions.js';
import type { EffectiveDecision } from '../domain/effective-permissions.js';
import { type Resource, type ResourceSegment, resourceBeyondLimits } from '../domain/resource.js';
import { invalid } from './errors.js';
import type { Principal } from './principal.js';

/** Introspection: what the calling token may do right now. */
export function identityService({ members, resources: store }: Pick<Repositories, 'members' | 'resources'>) {
  /**
   * The tags a stored resource carries (the owner's `owner` tag, a project's or flag's tags) are
   * added to the resource the caller names, so the answer is the one the real request would get.
   */
  async function withStoredTags(accountId: string, resource: Resource): Promise<Resource> {
    const keyOf = (kind: string) => resource.segments.find((s) => s.kind === kind)?.key;
    const concrete = (key: string | undefined): key is string => key !== undefined && !key.includes('*');
    const member = keyOf('member');
    const project = keyOf('proj');
    const flag = keyOf('flag');
    const [memberRecord, projectRecord, flagRecord] = await Promise.all([
      concrete(member) ? members.get(accountId, member) : undefined,
      concrete(project) ? store.getProject(accountId, project) : undefined,
      concrete(project) && concrete(flag) ? store.getFlag(accountId, project, flag) : undefined,
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
    const withTags: Resource = { shape: resource.shape, segments };
    // The tags named and those stored may together be more than anything carries.
    const beyond = resourceBeyondLimits(withTags);
    if (beyond !== null) throw invalid(`resource: with the tags stored on it, ${beyond}`);
    return withTags;
  }

  return {
    /** The effective decision for the calling token right now, and which side denied it. */
    async check(principal: Principal, action: Action, named: Resource): Promise<EffectiveDecision> {
      return principal.permissions.decide(action, await withStoredTags(principal.accountId, named));
    },
  };
}
