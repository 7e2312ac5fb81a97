/**
 * The policy engine as it was before the linear-time matcher and per-shape plans (commit 03e6244),
 * frozen here only so that bench/policy.ts can measure "typical decisions stay within 1.2× of
 * before" against it in the same run, on the same machine. Not used by the product.
 */
import { z } from 'zod';
import { ALL_ACTIONS, isKnownAction } from '../../shared/domain/actions.js';
import { compileGlob, type Matcher } from './glob.js';
import {
  compileResourceSpec,
  type Resource,
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

export const policySchema = z
  .array(statementSchema)
  .max(200, 'at most 200 statements')
  .refine((policy) => Buffer.byteLength(JSON.stringify(policy)) <= MAX_POLICY_BYTES, {
    message: `must be at most ${MAX_POLICY_BYTES} bytes of JSON`,
  });

export type Statement = z.infer<typeof statementSchema>;
export type Policy = Statement[];

export type Decision = 'allow' | 'deny' | 'none';

interface CompiledStatement {
  readonly index: number;
  readonly effect: 'allow' | 'deny';
  readonly matchesAction: Matcher;
  readonly matchesResource: (resource: Resource) => boolean;
}

function compileActions(actions: readonly string[], negate: boolean): Matcher {
  const exact = new Set(actions.filter((a) => !a.includes('*')));
  const globs = actions.filter((a) => a.includes('*')).map(compileGlob);
  const matches: Matcher = (action) => exact.has(action) || globs.some((glob) => glob(action));
  return negate ? (action) => !matches(action) : matches;
}

function compileResources(specs: readonly ResourceSpec[], negate: boolean): (resource: Resource) => boolean {
  if (specs.length === 1) {
    const spec = specs[0]!;
    return negate ? (r) => !resourceMatches(spec, r) : (r) => resourceMatches(spec, r);
  }
  const matches = (r: Resource) => {
    for (let i = 0; i < specs.length; i++) if (resourceMatches(specs[i]!, r)) return true;
    return false;
  };
  return negate ? (r) => !matches(r) : matches;
}

function compileStatement(statement: Statement, index: number): CompiledStatement {
  const actions = statement.actions ?? statement.notActions ?? [];
  const specs = (statement.resources ?? statement.notResources ?? []).map(compileResourceSpec);
  return {
    index,
    effect: statement.effect,
    matchesAction: compileActions(actions, statement.notActions !== undefined),
    matchesResource: compileResources(specs, statement.notResources !== undefined),
  };
}

interface ActionPlan {
  readonly denies: readonly CompiledStatement[];
  readonly allows: readonly CompiledStatement[];
}

export interface Explanation {
  readonly decision: Decision;
  /** The index of the statement that decided, when one did. */
  readonly statement?: number;
}

/**
 * A policy compiled once: globs are matchers, and for each action the statements that can apply
 * to it are listed in advance (denies first), so a decision only tests resources.
 */
export class CompiledPolicy {
  private readonly statements: readonly CompiledStatement[];
  private readonly plans = new Map<string, ActionPlan>();

  constructor(policy: Policy) {
    this.statements = policy.map(compileStatement);
  }

  get size(): number {
    return this.statements.length;
  }

  private plan(action: string): ActionPlan {
    let plan = this.plans.get(action);
    if (plan === undefined) {
      const applicable = this.statements.filter((s) => s.matchesAction(action));
      plan = {
        denies: applicable.filter((s) => s.effect === 'deny'),
        allows: applicable.filter((s) => s.effect === 'allow'),
      };
      // Only known actions are memoised, so a caller cannot grow the map without bound.
      if (isKnownAction(action)) this.plans.set(action, plan);
    }
    return plan;
  }

  explain(action: string, resource: Resource): Explanation {
    const { denies, allows } = this.plan(action);
    for (let i = 0; i < denies.length; i++) {
      const s = denies[i]!;
      if (s.matchesResource(resource)) return { decision: 'deny', statement: s.index };
    }
    for (let i = 0; i < allows.length; i++) {
      const s = allows[i]!;
      if (s.matchesResource(resource)) return { decision: 'allow', statement: s.index };
    }
    return { decision: 'none' };
  }

  decide(action: string, resource: Resource): Decision {
    return this.explain(action, resource).decision;
  }

  allows(action: string, resource: Resource): boolean {
    const { denies, allows } = this.plan(action);
    for (let i = 0; i < denies.length; i++) if (denies[i]!.matchesResource(resource)) return false;
    for (let i = 0; i < allows.length; i++) if (allows[i]!.matchesResource(resource)) return true;
    return false;
  }
}

/** Validates (throws a ZodError naming the statement and field) and compiles a policy. */
export function compilePolicy(policy: unknown): CompiledPolicy {
  return new CompiledPolicy(policySchema.parse(policy));
}
