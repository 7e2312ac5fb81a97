import { compileGlob, type Matcher } from './glob.js';

/**
 * Resources of the policy language (API.md): a path of `kind/key` segments joined by `:`, each
 * optionally followed by `;tag,tag`. The shapes below are the only ones that exist; a specifier
 * matches only resources of its own shape (so `proj/*` never matches an environment).
 */
export const RESOURCE_SHAPES = [
  'proj',
  'proj:env',
  'proj:env:flag',
  'member',
  'member:token',
  'service-token',
  'role',
  'acct',
] as const;

export type ResourceShape = (typeof RESOURCE_SHAPES)[number];

const shapes = new Set<string>(RESOURCE_SHAPES);

export interface ResourceSegment {
  readonly kind: string;
  readonly key: string;
  readonly tags: readonly string[];
}

/** A concrete resource that a request acts on, parsed once per request. */
export interface Resource {
  readonly shape: ResourceShape;
  readonly segments: readonly ResourceSegment[];
  /**
   * Whether it is within the limits of what can exist (resourceCanExist), found once where it is
   * made (parseResource, the builders) rather than on every policy that decides on it. Not
   * enumerable, so that a copy made with other segments (`{...resource, segments}`) never carries
   * it; where it is absent, the engine finds it.
   */
  readonly canExist?: boolean;
}

export interface CompiledSegment {
  /** The key glob as written, so that an index can file the specifier under it. */
  readonly glob: string;
  readonly key: Matcher;
  /** Every tag wanted, once each, as written. */
  readonly tags: readonly string[];
  /** Tags wanted without a `*`, looked up; tags with one, matched against each tag present. */
  readonly exactTags: readonly string[];
  readonly globTags: readonly Matcher[];
}

/** A resource specifier of a policy statement, compiled to matchers. */
export interface ResourceSpec {
  readonly shape: ResourceShape;
  readonly segments: readonly CompiledSegment[];
}

export class ResourceSyntaxError extends Error {}

const KEY = /^[^\s:;,/]+$/;

interface RawSegment {
  kind: string;
  key: string;
  tags: string[];
}

function splitResource(text: string): { shape: ResourceShape; segments: RawSegment[] } {
  if (typeof text !== 'string' || text.length === 0)
    throw new ResourceSyntaxError('must be a non-empty string');
  const segments: RawSegment[] = [];
  for (const part of text.split(':')) {
    const [head = '', tagText, ...extra] = part.split(';');
    if (extra.length > 0) throw new ResourceSyntaxError(`"${part}" has more than one ";"`);
    const tags = tagText === undefined ? [] : tagText.split(',');
    for (const tag of tags) {
      if (!KEY.test(tag)) throw new ResourceSyntaxError(`"${part}" has an empty or malformed tag`);
    }
    if (head === 'acct') {
      segments.push({ kind: 'acct', key: '', tags });
      continue;
    }
    const slash = head.indexOf('/');
    if (slash <= 0) throw new ResourceSyntaxError(`"${part}" is not of the form kind/key`);
    const kind = head.slice(0, slash);
    const key = head.slice(slash + 1);
    if (!KEY.test(key)) throw new ResourceSyntaxError(`"${part}" has an empty or malformed key`);
    segments.push({ kind, key, tags });
  }
  const shape = segments.map((s) => s.kind).join(':');
  if (!shapes.has(shape)) {
    throw new ResourceSyntaxError(
      `"${text}" is not a known resource type (one of ${RESOURCE_SHAPES.join(', ')})`,
    );
  }
  return { shape: shape as ResourceShape, segments };
}

/** Parses a concrete resource such as `proj/web;mobile:env/production`. Throws ResourceSyntaxError. */
export function parseResource(text: string): Resource {
  return made(splitResource(text));
}

/** The resource, with whether it can exist found once (Resource.canExist). */
function made(resource: Resource): Resource {
  return Object.defineProperty(resource, 'canExist', { value: resourceCanExist(resource) });
}

/** Parses and compiles a resource specifier such as `proj/*:env/prod*`. Throws ResourceSyntaxError. */
export function compileResourceSpec(text: string): ResourceSpec {
  const { shape, segments } = splitResource(text);
  return {
    shape,
    segments: segments.map((s) => {
      const tags = [...new Set(s.tags)];
      return {
        glob: s.key,
        key: compileGlob(s.key),
        tags,
        exactTags: tags.filter((t) => !t.includes('*')),
        globTags: tags.filter((t) => t.includes('*')).map(compileGlob),
      };
    }),
  };
}

/**
 * The most that any resource there can be has: keys of projects, environments, flags and custom
 * roles are at most 100 characters (`keySchema`), member and token ids 24, and the API refuses a
 * longer one in a path (`checkPathParameters`); a project or flag carries at most 50 tags of at
 * most 64 characters (`tagsSchema`), a member at most one (`owner`), and nothing else carries any
 * (environments, tokens, roles and the account have no tags here). These were the API's limits
 * from its first stored item, so every stored resource is within them.
 *
 * A resource beyond them names nothing that can exist, so no policy grants anything on it: the
 * engine decides it without looking at a glob (CompiledPolicy), and so what a decision can read is
 * bounded by these limits, not by what a caller sends (DESIGN.md decision 7): keys of 100
 * characters, and 100 tags at most on one resource (a flag's and its project's).
 */
export const MAX_RESOURCE_KEY_CHARS = 100;
export const MAX_RESOURCE_TAGS = 50;
export const MAX_RESOURCE_TAG_CHARS = 64;

/** The tags a segment of a kind can carry: a project's or flag's, a member's `owner`, else none. */
export function maxTagsOf(kind: string): number {
  return kind === 'proj' || kind === 'flag' ? MAX_RESOURCE_TAGS : kind === 'member' ? 1 : 0;
}

/** Whether a resource is within the limits above, as every resource that can exist is. */
export function resourceCanExist(resource: Resource): boolean {
  const segments = resource.segments;
  for (let i = 0; i < segments.length; i++) {
    const { kind, key, tags } = segments[i]!;
    if (key.length > MAX_RESOURCE_KEY_CHARS) return false;
    if (tags.length === 0) continue;
    if (tags.length > maxTagsOf(kind)) return false;
    for (let t = 0; t < tags.length; t++) if (tags[t]!.length > MAX_RESOURCE_TAG_CHARS) return false;
  }
  return true;
}

/** Why a resource cannot exist (the first limit it is beyond, named), or null when it can. */
export function resourceBeyondLimits(resource: Resource): string | null {
  for (const { kind, key, tags } of resource.segments) {
    if (key.length > MAX_RESOURCE_KEY_CHARS)
      return `the ${kind} key has ${key.length} characters; no key has more than ${MAX_RESOURCE_KEY_CHARS}`;
    const most = maxTagsOf(kind);
    if (tags.length > most)
      return most === 0
        ? `${kind} has ${tags.length} tag(s); no ${kind} carries tags`
        : `${kind} has ${tags.length} tags; no ${kind} carries more than ${most}`;
    const long = tags.find((tag) => tag.length > MAX_RESOURCE_TAG_CHARS);
    if (long !== undefined)
      return `a tag of ${kind} has ${long.length} characters; no tag has more than ${MAX_RESOURCE_TAG_CHARS}`;
  }
  return null;
}

const tagSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** Whether a resource segment carries a tag: a scan for a few tags, a set (made once per segment) for many. */
export function hasTag(tags: readonly string[], tag: string): boolean {
  if (tags.length <= 8) return tags.includes(tag);
  let set = tagSets.get(tags);
  if (set === undefined) {
    set = new Set(tags);
    tagSets.set(tags, set);
  }
  return set.has(tag);
}

export function resourceMatches(spec: ResourceSpec, resource: Resource): boolean {
  if (spec.shape !== resource.shape) return false;
  const specSegments = spec.segments;
  const segments = resource.segments;
  for (let i = 0; i < specSegments.length; i++) {
    const specSegment = specSegments[i]!;
    const segment = segments[i]!;
    if (!specSegment.key(segment.key)) return false;
    const { exactTags, globTags } = specSegment;
    for (let t = 0; t < exactTags.length; t++) if (!hasTag(segment.tags, exactTags[t]!)) return false;
    for (let t = 0; t < globTags.length; t++) if (!segment.tags.some(globTags[t]!)) return false;
  }
  return true;
}

function segment(kind: string, key: string, tags: readonly string[] = []): ResourceSegment {
  return { kind, key, tags };
}

/** Builders for the resources that the services act on, so that no service formats strings. */
export const resources = {
  account: (): Resource => made({ shape: 'acct', segments: [segment('acct', '')] }),
  project: (projectKey: string, tags: readonly string[] = []): Resource =>
    made({
      shape: 'proj',
      segments: [segment('proj', projectKey, tags)],
    }),
  environment: (projectKey: string, envKey: string, projectTags: readonly string[] = []): Resource =>
    made({
      shape: 'proj:env',
      segments: [segment('proj', projectKey, projectTags), segment('env', envKey)],
    }),
  flag: (
    projectKey: string,
    envKey: string,
    flagKey: string,
    projectTags: readonly string[] = [],
    flagTags: readonly string[] = [],
  ): Resource =>
    made({
      shape: 'proj:env:flag',
      segments: [
        segment('proj', projectKey, projectTags),
        segment('env', envKey),
        segment('flag', flagKey, flagTags),
      ],
    }),
  /** A member; the owner carries the tag `owner` so that built-in admin can be kept off them. */
  member: (memberId: string, isOwner = false): Resource =>
    made({
      shape: 'member',
      segments: [segment('member', memberId, isOwner ? ['owner'] : [])],
    }),
  personalToken: (memberId: string, tokenId: string, memberIsOwner = false): Resource =>
    made({
      shape: 'member:token',
      segments: [segment('member', memberId, memberIsOwner ? ['owner'] : []), segment('token', tokenId)],
    }),
  serviceToken: (tokenId: string): Resource =>
    made({
      shape: 'service-token',
      segments: [segment('service-token', tokenId)],
    }),
  role: (roleKey: string): Resource => made({ shape: 'role', segments: [segment('role', roleKey)] }),
};

/** The text form of a resource, for messages and `reason`s. */
export function formatResource(resource: Resource): string {
  return resource.segments
    .map((s) => {
      const head = s.kind === 'acct' ? 'acct' : `${s.kind}/${s.key}`;
      return s.tags.length > 0 ? `${head};${s.tags.join(',')}` : head;
    })
    .join(':');
}
