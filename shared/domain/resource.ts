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
  return splitResource(text);
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
  account: (): Resource => ({ shape: 'acct', segments: [segment('acct', '')] }),
  project: (projectKey: string, tags: readonly string[] = []): Resource => ({
    shape: 'proj',
    segments: [segment('proj', projectKey, tags)],
  }),
  environment: (projectKey: string, envKey: string, projectTags: readonly string[] = []): Resource => ({
    shape: 'proj:env',
    segments: [segment('proj', projectKey, projectTags), segment('env', envKey)],
  }),
  flag: (
    projectKey: string,
    envKey: string,
    flagKey: string,
    projectTags: readonly string[] = [],
    flagTags: readonly string[] = [],
  ): Resource => ({
    shape: 'proj:env:flag',
    segments: [
      segment('proj', projectKey, projectTags),
      segment('env', envKey),
      segment('flag', flagKey, flagTags),
    ],
  }),
  /** A member; the owner carries the tag `owner` so that built-in admin can be kept off them. */
  member: (memberId: string, isOwner = false): Resource => ({
    shape: 'member',
    segments: [segment('member', memberId, isOwner ? ['owner'] : [])],
  }),
  personalToken: (memberId: string, tokenId: string, memberIsOwner = false): Resource => ({
    shape: 'member:token',
    segments: [segment('member', memberId, memberIsOwner ? ['owner'] : []), segment('token', tokenId)],
  }),
  serviceToken: (tokenId: string): Resource => ({
    shape: 'service-token',
    segments: [segment('service-token', tokenId)],
  }),
  role: (roleKey: string): Resource => ({ shape: 'role', segments: [segment('role', roleKey)] }),
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
