import { z } from 'zod';
import { ALL_ACTIONS, isKnownAction } from './actions.js';
import { compileGlob, globSearchesValue, type Matcher } from './glob.js';
import {
  compileResourceSpec,
  RESOURCE_SHAPES,
  type Resource,
  type ResourceShape,
  type ResourceSpec,
  ResourceSyntaxError,
  resourceMatches,
} from './resource.js';

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
 * A glob with text between two stars (`*prod*`, `a*b*c`) searches the resource's key or tags, so it
 * costs time in proportion to the resource; any other glob costs at most its own length. Capped so
 * that a decision stays linear in policy plus resource (DESIGN.md decision 7), not their product:
 * 2,428 such globs fit in MAX_POLICY_BYTES, and against a 1 KiB key they cost 15 ms a decision
 * (bench/policy.ts, adversarial (b)).
 */
export const MAX_SEARCHING_GLOBS = 10;

function countSearchingGlobs(policy: readonly Statement[]): number {
  let count = 0;
  for (const statement of policy) {
    for (const spec of [...(statement.resources ?? []), ...(statement.notResources ?? [])]) {
      for (const glob of spec.split(/[:;,]/)) if (globSearchesValue(glob)) count++;
    }
  }
  return count;
}

/** Tags one specifier segment may require (each globbed one is a pass over the resource's tags). */
export const MAX_SPEC_TAGS = 10;

function mostTagsOnASegment(policy: readonly Statement[]): number {
  let most = 0;
  for (const statement of policy)
    for (const spec of [...(statement.resources ?? []), ...(statement.notResources ?? [])])
      for (const segment of spec.split(':')) most = Math.max(most, segment.split(/[;,]/).length - 1);
  return most;
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
    if (count > MAX_SEARCHING_GLOBS) {
      ctx.addIssue({
        code: 'custom',
        message: `at most ${MAX_SEARCHING_GLOBS} resource globs with text between two "*" (such as "*prod*"), which search the resource; this policy has ${count}`,
      });
    }
    const tags = mostTagsOnASegment(policy);
    if (tags > MAX_SPEC_TAGS) {
      ctx.addIssue({
        code: 'custom',
        message: `a resource specifier may require at most ${MAX_SPEC_TAGS} tags on one segment; this policy has one with ${tags}`,
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

interface CompiledStatement {
  readonly index: number;
  readonly effect: 'allow' | 'deny';
  readonly matchesAction: Matcher;
  /** The statement's test for resources of one shape; null where it can match none of that shape. */
  readonly forShape: (shape: ResourceShape) => ResourceTest | null;
}

function compileActions(actions: readonly string[], negate: boolean): Matcher {
  const exact = new Set(actions.filter((a) => !a.includes('*')));
  const globs = actions.filter((a) => a.includes('*')).map(compileGlob);
  const matches: Matcher = (action) => exact.has(action) || globs.some((glob) => glob(action));
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

/**
 * Specifiers are grouped by shape (a specifier matches only resources of its own shape) and
 * deduplicated, so a decision tests only the specifiers of the resource's shape.
 */
function compileStatement(statement: Statement, index: number): CompiledStatement {
  const actions = statement.actions ?? statement.notActions ?? [];
  const negate = statement.notResources !== undefined;
  const byShape = new Map<ResourceShape, ResourceSpec[]>();
  for (const text of new Set(statement.resources ?? statement.notResources ?? [])) {
    const spec = compileResourceSpec(text);
    byShape.set(spec.shape, [...(byShape.get(spec.shape) ?? []), spec]);
  }
  const tests = new Map<ResourceShape, ResourceTest | null>();
  for (const shape of RESOURCE_SHAPES) {
    const specs = byShape.get(shape);
    if (specs === undefined) tests.set(shape, negate ? always : null);
    else {
      const matches = anyOf(specs);
      tests.set(shape, negate ? (r) => !matches(r) : matches);
    }
  }
  return {
    index,
    effect: statement.effect,
    matchesAction: compileActions(actions, statement.notActions !== undefined),
    forShape: (shape) => tests.get(shape) ?? null,
  };
}

interface PlannedStatement {
  readonly index: number;
  readonly matches: ResourceTest;
}

interface Plan {
  readonly denies: readonly PlannedStatement[];
  readonly allows: readonly PlannedStatement[];
}

export interface Explanation {
  readonly decision: Decision;
  /** The index of the statement that decided, when one did. */
  readonly statement?: number;
}

/**
 * A policy compiled once: globs are matchers, and for each action and resource shape the
 * statements that can apply are listed in advance (denies first), so a decision only tests the
 * specifiers that could match it.
 */
export class CompiledPolicy {
  private readonly statements: readonly CompiledStatement[];
  private readonly plans = new Map<string, (Plan | undefined)[]>();

  constructor(policy: Policy) {
    this.statements = policy.map(compileStatement);
  }

  get size(): number {
    return this.statements.length;
  }

  private plan(action: string, shape: ResourceShape): Plan {
    const index = SHAPE_INDEX[shape];
    let byShape = this.plans.get(action);
    let plan = byShape?.[index];
    if (plan !== undefined) return plan;
    const denies: PlannedStatement[] = [];
    const allows: PlannedStatement[] = [];
    for (const statement of this.statements) {
      if (!statement.matchesAction(action)) continue;
      const matches = statement.forShape(shape);
      if (matches !== null)
        (statement.effect === 'deny' ? denies : allows).push({ index: statement.index, matches });
    }
    plan = { denies, allows };
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

  explain(action: string, resource: Resource): Explanation {
    const { denies, allows } = this.plan(action, resource.shape);
    for (let i = 0; i < denies.length; i++) {
      const s = denies[i]!;
      if (s.matches(resource)) return { decision: 'deny', statement: s.index };
    }
    for (let i = 0; i < allows.length; i++) {
      const s = allows[i]!;
      if (s.matches(resource)) return { decision: 'allow', statement: s.index };
    }
    return { decision: 'none' };
  }

  decide(action: string, resource: Resource): Decision {
    return this.explain(action, resource).decision;
  }

  allows(action: string, resource: Resource): boolean {
    const { denies, allows } = this.plan(action, resource.shape);
    for (let i = 0; i < denies.length; i++) if (denies[i]!.matches(resource)) return false;
    for (let i = 0; i < allows.length; i++) if (allows[i]!.matches(resource)) return true;
    return false;
  }
}

/** Validates (throws a ZodError naming the statement and field) and compiles a policy. */
export function compilePolicy(policy: unknown): CompiledPolicy {
  return new CompiledPolicy(policySchema.parse(policy));
}
