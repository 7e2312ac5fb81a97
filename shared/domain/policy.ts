import { z } from 'zod';
import { type Action, ALL_ACTIONS, isKnownAction } from './actions.js';
import { compileGlob, globSearchesValue, globShape, type Matcher } from './glob.js';
import {
  compileResourceSpec,
  RESOURCE_SHAPES,
  type Resource,
  type ResourceShape,
  type ResourceSpec,
  ResourceSyntaxError,
  resourceCanExist,
  resourceMatches,
} from './resource.js';
import { type IndexEntry, ResourceIndex } from './resource-index.js';

const resourceSpecSchema = z
  .string()
  .max(512, 'must be at most 512 characters')
  .superRefine((text, ctx) => {
    try {
      compileResourceSpec(text);
    } catch (error) {
      if (!(error instanceof ResourceSyntaxError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });

const actionSchema = z
  .string()
  .regex(/^[A-Za-z*]+$/, 'must be an action name or a glob of letters and "*"')
  .refine(
    (action) => (action.includes('*') ? ALL_ACTIONS.some(compileGlob(action)) : isKnownAction(action)),
    {
      message: 'matches no known action',
    },
  );

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'must not be empty').max(100);

export const statementSchema = z
  .strictObject({
    effect: z.enum(['allow', 'deny']),
    resources: list(resourceSpecSchema).optional(),
    notResources: list(resourceSpecSchema).optional(),
    actions: list(actionSchema).optional(),
    notActions: list(actionSchema).optional(),
  })
  .superRefine((statement, ctx) => {
    const pairs = [
      ['resources', 'notResources'],
      ['actions', 'notActions'],
    ] as const;
    for (const [positive, negative] of pairs) {
      const count = Number(statement[positive] !== undefined) + Number(statement[negative] !== undefined);
      if (count !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: [positive],
          message: `exactly one of "${positive}" and "${negative}" is required`,
        });
      }
    }
  });

/** 32 KiB of JSON at most (the order of IAM's own policy limits), so an item always fits DynamoDB's 400 KB. */
export const MAX_POLICY_BYTES = 32 * 1024;

/**
 * Globs that scan the resource: a key glob with text between two stars (`*prod*`, `a*b*c`) reads
 * the key, and a tag glob (`team-*`) is tested against every tag of a segment, so each costs time
 * in proportion to the resource; any other glob costs at most its own length, and an index finds
 * the ones that match without testing them all (resource-index.ts). A decision reads no resource
 * beyond what can exist (resource.ts: keys of at most 100 characters, at most 50 tags a segment),
 * so each costs at most a pass over 100 characters, 0.2-0.35 µs, or a test of 50 tags, 0.7 µs
 * when every tag starts and ends like the glob (bench/policy.ts, adversarial (b), on this
 * project's busy 2-core machines). Capped so that a decision stays linear in policy plus resource
 * (DESIGN.md decision 7), not their product, and at the caps within the 5 µs goal with margin
 * (under 3 µs there): without them, 2,428 key globs that search fit in MAX_POLICY_BYTES and cost
 * 0.5 ms a decision. New input only, as every cap here: a policy stored before keeps working.
 */
export const MAX_SEARCHING_GLOBS = 5;

/** Of the globs that scan the resource, tag globs, which cost the most each (above). */
export const MAX_TAG_GLOBS = 2;

/**
 * A tag glob with text between two stars (`*prod*`) reads every character of every tag of a
 * segment, 50 × 64 of them on a resource that can exist, several times what one key costs, and
 * needs no such power: tags are labels, globbed by prefix or suffix (`qa_*`, as LaunchDarkly's
 * examples do). New input may not have one; a stored one keeps working.
 */
function searchingTagGlobOf(policy: readonly Statement[]): string | undefined {
  for (const { tags } of segmentsOf(policy)) for (const tag of tags) if (globSearchesValue(tag)) return tag;
  return undefined;
}

/** Each specifier of a policy as written. */
function specifiersOf(policy: readonly Statement[]): string[] {
  return policy.flatMap((statement) => [...(statement.resources ?? []), ...(statement.notResources ?? [])]);
}

/** The key glob (after `kind/`) and the tags of each segment of every specifier, as written. */
function segmentsOf(policy: readonly Statement[]): { key: string; tags: string[] }[] {
  return specifiersOf(policy).flatMap((spec) =>
    spec.split(':').map((segment) => {
      const [head = '', tags] = segment.split(';');
      return { key: head.slice(head.indexOf('/') + 1), tags: tags === undefined ? [] : tags.split(',') };
    }),
  );
}

function countSearchingGlobs(policy: readonly Statement[]): { all: number; tags: number } {
  let keys = 0;
  let tagGlobs = 0;
  for (const { key, tags } of segmentsOf(policy)) {
    if (globSearchesValue(key)) keys++;
    for (const tag of tags) if (tag.includes('*')) tagGlobs++;
  }
  return { all: keys + tagGlobs, tags: tagGlobs };
}

/**
 * Characters other than `*` in one key glob: the longest key a project, environment, flag or
 * custom role can have (MAX_RESOURCE_KEY_CHARS), so no glob that could match a stored resource is
 * refused, and a longer one could match nothing. It also bounds the work a glob brings: the table
 * of a glob that searches (26 KB at most, glob.ts), and the chains of globs that can all match one
 * key (`a*`, `aa*`, `aaa*`, …), which the index folds (resource-index.ts).
 */
export const MAX_KEY_GLOB_CHARS = 100;

function longestKeyGlob(policy: readonly Statement[]): number {
  return Math.max(0, ...segmentsOf(policy).map(({ key }) => key.replaceAll('*', '').length));
}

/** Tags one specifier segment may require (each globbed one is a pass over the resource's tags). */
export const MAX_SPEC_TAGS = 10;

/**
 * Tags a policy's specifiers may require in all, each time one is written. Whether a resource has
 * the tags of one of many specifiers cannot always be found without testing them one by one: with
 * specifiers wanting two tags each, a resource can hold one tag of each pair and never both, and
 * 1,873 such specifiers cost 47-58 µs a decision. At 64, the tests of tags cost about 1 µs at
 * most, whatever the policy (bench/policy.ts, adversarial (b)); policies that use tags name a few.
 */
export const MAX_POLICY_TAGS = 64;

function mostTagsOnASegment(policy: readonly Statement[]): number {
  return Math.max(0, ...segmentsOf(policy).map(({ tags }) => tags.length));
}

function countTags(policy: readonly Statement[]): number {
  return segmentsOf(policy).reduce((count, { tags }) => count + tags.length, 0);
}

/**
 * What was stored, read back (the authorizer's context): the structure only, without the limits
 * that new input must meet, so that tightening a limit never locks out a token that met the old one.
 */
export const storedPolicySchema = z.array(statementSchema);

export const policySchema = z
  .array(statementSchema)
  .max(200, 'at most 200 statements')
  .refine((policy) => Buffer.byteLength(JSON.stringify(policy)) <= MAX_POLICY_BYTES, {
    message: `must be at most ${MAX_POLICY_BYTES} bytes of JSON`,
  })
  .superRefine((policy, ctx) => {
    const count = countSearchingGlobs(policy);
    if (count.all > MAX_SEARCHING_GLOBS) {
      ctx.addIssue({
        code: 'custom',
        message: `at most ${MAX_SEARCHING_GLOBS} resource globs that scan the resource: with text between two "*" (such as "*prod*") or of a tag (such as "team-*"); this policy has ${count.all}`,
      });
    }
    if (count.tags > MAX_TAG_GLOBS) {
      ctx.addIssue({
        code: 'custom',
        message: `at most ${MAX_TAG_GLOBS} tag globs (such as "team-*"), as each is tested against every tag; this policy has ${count.tags}`,
      });
    }
    const searchingTag = searchingTagGlobOf(policy);
    if (searchingTag !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `a tag glob may not have text between two "*", as it would read every tag in full ("${searchingTag}"; "team-*" and "*-eu" may be used)`,
      });
    }
    const tags = mostTagsOnASegment(policy);
    if (tags > MAX_SPEC_TAGS) {
      ctx.addIssue({
        code: 'custom',
        message: `a resource specifier may require at most ${MAX_SPEC_TAGS} tags on one segment; this policy has one with ${tags}`,
      });
    }
    const longest = longestKeyGlob(policy);
    if (longest > MAX_KEY_GLOB_CHARS) {
      ctx.addIssue({
        code: 'custom',
        message: `a key in a resource specifier may have at most ${MAX_KEY_GLOB_CHARS} characters besides "*" (the longest key there can be); this policy has one with ${longest}`,
      });
    }
    const total = countTags(policy);
    if (total > MAX_POLICY_TAGS) {
      ctx.addIssue({
        code: 'custom',
        message: `a policy's resource specifiers may require at most ${MAX_POLICY_TAGS} tags in all; this policy requires ${total}`,
      });
    }
  });

export type Statement = z.infer<typeof statementSchema>;
export type Policy = Statement[];

export type Decision = 'allow' | 'deny' | 'none';

type ResourceTest = (resource: Resource) => boolean;

/** Plans are kept per action in an array indexed by shape: cheaper on the hot path than a second map. */
const SHAPE_INDEX = Object.fromEntries(RESOURCE_SHAPES.map((shape, i) => [shape, i])) as Record<
  ResourceShape,
  number
>;

/**
 * A plan tests its statements one by one, stopping at the first that decides (the cheapest way for
 * the policies people write), for at most this many tests of a key or tag (a few ns each). A plan
 * that costs more to scan also has a ResourceIndex, whose cost does not grow with the number of
 * specifiers, and asks it when the statements within that budget did not decide. So the scan of any
 * policy costs at most SCAN_LIMIT such tests.
 */
const SCAN_LIMIT = 32;

/** What testing a specifier costs at most, in tests of a short key or tag. */
function scanCost(spec: ResourceSpec): number {
  let cost = 0;
  for (const segment of spec.segments) {
    // A glob that searches costs as much as the key is long, a tag glob a test of every tag (as
    // much), and a literal is compared a character at a time.
    cost += globSearchesValue(segment.glob) ? 32 : 1 + (segment.glob.length >> 4);
    cost += segment.exactTags.length + 32 * segment.globTags.length;
  }
  return cost;
}

export interface CompileOptions {
  /** Cost of specifiers a plan may test one by one before it uses an index (0: always index). */
  readonly scanLimit?: number;
}

interface CompiledStatement {
  readonly index: number;
  readonly effect: 'allow' | 'deny';
  /** A `notResources` statement: it applies to what none of its specifiers match. */
  readonly negate: boolean;
  readonly matchesAction: Matcher;
  /** Its specifiers, deduplicated and grouped by shape: a specifier matches only its own shape. */
  readonly specs: ReadonlyMap<ResourceShape, readonly ResourceSpec[]>;
  /** Whether it applies to a resource of any shape. */
  readonly matches: ResourceTest;
}

function compileActions(actions: readonly string[], negate: boolean): Matcher {
  if (actions.some((a) => globShape(a).kind === 'all')) return negate ? () => false : () => true;
  const exact = new Set(actions.filter((a) => !a.includes('*')));
  const globs = actions.filter((a) => a.includes('*')).map(compileGlob);
  const matches: Matcher =
    globs.length === 0
      ? (action) => exact.has(action)
      : (action) => exact.has(action) || globs.some((glob) => glob(action));
  return negate ? (action) => !matches(action) : matches;
}

function anyOf(specs: readonly ResourceSpec[]): ResourceTest {
  if (specs.length === 1) {
    const spec = specs[0]!;
    return (r) => resourceMatches(spec, r);
  }
  return (r) => {
    for (let i = 0; i < specs.length; i++) if (resourceMatches(specs[i]!, r)) return true;
    return false;
  };
}

const always: ResourceTest = () => true;

function compileStatement(statement: Statement, index: number): CompiledStatement {
  const actions = statement.actions ?? statement.notActions ?? [];
  const negate = statement.notResources !== undefined;
  const all = [...new Set(statement.resources ?? statement.notResources ?? [])].map(compileResourceSpec);
  const specs = new Map<ResourceShape, ResourceSpec[]>();
  for (const spec of all) {
    const same = specs.get(spec.shape);
    if (same === undefined) specs.set(spec.shape, [spec]);
    else same.push(spec);
  }
  const matches = anyOf(all);
  return {
    index,
    effect: statement.effect,
    negate,
    matchesAction: compileActions(actions, statement.notActions !== undefined),
    specs,
    matches: negate ? (r) => !matches(r) : matches,
  };
}

interface PlannedStatement {
  readonly index: number;
  readonly matches: ResourceTest;
}

interface Plan {
  /**
   * The statements that can apply, denies first, each group in policy order, so that the first one
   * that matches decides; where an index is set, only as many as SCAN_LIMIT allows.
   */
  readonly scan: readonly PlannedStatement[];
  /** How many of `scan` are denies. */
  readonly denies: number;
  /** Set where scanning every statement would cost more than SCAN_LIMIT: decides the rest. */
  readonly indexed: IndexedPlan | null;
}

/**
 * The statements of a plan that its scan leaves, numbered denies first, each group in policy order,
 * so that the lowest numbered statement that applies is the one that decides: the first matching
 * deny, else the first matching allow, exactly as a scan of the lists would find.
 */
class IndexedPlan {
  private readonly index: ResourceIndex;
  private readonly hits: Int32Array;
  /** Statements that apply when one of their specifiers matches (`resources`). */
  private readonly positive: Int32Array;
  /** Statements that apply when none does (`notResources`). */
  private readonly negative: Int32Array;

  constructor(
    readonly statements: readonly CompiledStatement[],
    readonly denyCount: number,
    shape: ResourceShape,
  ) {
    const words = (statements.length + 31) >>> 5;
    this.hits = new Int32Array(words);
    this.positive = new Int32Array(words);
    this.negative = new Int32Array(words);
    const entries: IndexEntry[] = [];
    statements.forEach((statement, i) => {
      const bits = statement.negate ? this.negative : this.positive;
      bits[i >>> 5] = bits[i >>> 5]! | (1 << (i & 31));
      for (const spec of statement.specs.get(shape) ?? [])
        entries.push({ segments: spec.segments, statement: i });
    });
    this.index = new ResourceIndex(entries);
  }

  /** The number of the statement that decides, or -1 when none applies. */
  decider(resource: Resource): number {
    const hits = this.hits;
    hits.fill(0);
    this.index.collect(resource.segments, hits);
    for (let w = 0; w < hits.length; w++) {
      const applies = (hits[w]! & this.positive[w]!) | (~hits[w]! & this.negative[w]!);
      if (applies !== 0) return (w << 5) + 31 - Math.clz32(applies & -applies);
    }
    return -1;
  }
}

export interface Explanation {
  readonly decision: Decision;
  /** The index of the statement that decided, when one did. */
  readonly statement?: number;
}

const NONE: Explanation = { decision: 'none' };

/**
 * A policy compiled once: globs are matchers, and for each action and resource shape the
 * statements that can apply are listed in advance (denies first), so a decision only tests the
 * specifiers that could match it, and when they are many, looks them up in an index instead.
 */
export class CompiledPolicy {
  private readonly statements: readonly CompiledStatement[];
  private readonly plans = new Map<string, (Plan | undefined)[]>();
  private readonly scanLimit: number;
  /** A policy of one statement with few specifiers needs no plan: its action test is as cheap as finding one. */
  private readonly single: CompiledStatement | null;

  constructor(policy: Policy, options: CompileOptions = {}) {
    this.statements = policy.map(compileStatement);
    this.scanLimit = options.scanLimit ?? SCAN_LIMIT;
    const only = this.statements.length === 1 ? this.statements[0]! : null;
    let cost = 0;
    for (const specs of only?.specs.values() ?? []) for (const spec of specs) cost += scanCost(spec);
    this.single = only !== null && cost <= this.scanLimit ? only : null;
  }

  get size(): number {
    return this.statements.length;
  }

  private plan(action: string, shape: ResourceShape): Plan {
    const index = SHAPE_INDEX[shape];
    let byShape = this.plans.get(action);
    let plan = byShape?.[index];
    if (plan !== undefined) return plan;
    plan = this.makePlan(action, shape);
    // Only known actions are memoised, so a caller cannot grow the map without bound.
    if (isKnownAction(action)) {
      if (byShape === undefined) {
        byShape = new Array(RESOURCE_SHAPES.length);
        this.plans.set(action, byShape);
      }
      byShape[index] = plan;
    }
    return plan;
  }

  private makePlan(action: string, shape: ResourceShape): Plan {
    const applicable = this.statements.filter(
      (s) => s.matchesAction(action) && (s.negate || s.specs.has(shape)),
    );
    const denies = applicable.filter((s) => s.effect === 'deny');
    const ordered = [...denies, ...applicable.filter((s) => s.effect === 'allow')];
    const scan: PlannedStatement[] = [];
    let cost = 0;
    for (const s of ordered) {
      const specs = s.specs.get(shape);
      for (const spec of specs ?? []) cost += scanCost(spec);
      if (cost > this.scanLimit) break;
      const matches = specs === undefined ? always : anyOf(specs);
      scan.push({ index: s.index, matches: specs !== undefined && s.negate ? (r) => !matches(r) : matches });
    }
    // The index holds only the statements after those scanned: a scanned one that did not match
    // does not apply, so no specifier is tested twice in one decision.
    const scannedDenies = Math.min(scan.length, denies.length);
    const indexed =
      scan.length < ordered.length
        ? new IndexedPlan(ordered.slice(scan.length), denies.length - scannedDenies, shape)
        : null;
    return { scan, denies: scannedDenies, indexed };
  }

  /**
   * Which statement decides. A resource that cannot exist (resource.ts: a key, tag or tag count
   * beyond what the API ever stores) is decided by none, so no glob is tested against it.
   */
  explain(action: Action, resource: Resource): Explanation {
    if (!(resource.canExist ?? resourceCanExist(resource))) return NONE;
    const single = this.single;
    if (single !== null)
      return single.matchesAction(action) && single.matches(resource)
        ? { decision: single.effect, statement: single.index }
        : NONE;
    const { scan, denies, indexed } = this.plan(action, resource.shape);
    for (let i = 0; i < scan.length; i++) {
      const s = scan[i]!;
      if (s.matches(resource)) return { decision: i < denies ? 'deny' : 'allow', statement: s.index };
    }
    if (indexed === null) return NONE;
    const decider = indexed.decider(resource);
    if (decider < 0) return NONE;
    return {
      decision: decider < indexed.denyCount ? 'deny' : 'allow',
      statement: indexed.statements[decider]!.index,
    };
  }

  decide(action: Action, resource: Resource): Decision {
    return this.explain(action, resource).decision;
  }

  allows(action: Action, resource: Resource): boolean {
    if (!(resource.canExist ?? resourceCanExist(resource))) return false;
    const single = this.single;
    if (single !== null)
      return single.effect === 'allow' && single.matchesAction(action) && single.matches(resource);
    const { scan, denies, indexed } = this.plan(action, resource.shape);
    for (let i = 0; i < scan.length; i++) if (scan[i]!.matches(resource)) return i >= denies;
    return indexed !== null && indexed.decider(resource) >= indexed.denyCount;
  }
}

/** Validates (throws a ZodError naming the statement and field) and compiles a policy. */
export function compilePolicy(policy: unknown): CompiledPolicy {
  return new CompiledPolicy(policySchema.parse(policy));
}
