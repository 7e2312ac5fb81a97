import { ALL_ACTIONS } from './actions.js';
import { compileGlob, globContains, globsIntersect } from './glob.js';
import type { Policy, Statement } from './policy.js';
import { parseResource, RESOURCE_SHAPES, type ResourceShape } from './resource.js';

/**
 * Whether one set of policies allows nothing that another does not: "a token is born within its
 * member" and "a grant never exceeds the granter". Both sides are unions of policies (a member's
 * custom roles, a token's roles), each policy deny-wins.
 *
 * The check is sound and deliberately incomplete: when it says "within", every request the inner
 * side allows is allowed by the outer side; when it cannot prove that, it names the first
 * (statement, action, resource) it could not cover, and the caller refuses. It proves coverage one
 * inner allow statement and one resource specifier at a time, each by a single outer policy:
 * - an outer allow covers the specifier when one of its specifiers contains it (glob containment
 *   per segment, and every tag it requires is guaranteed by a tag the inner specifier requires), or
 *   when none of its `notResources` can overlap it;
 * - an outer deny that may overlap the specifier (glob intersection per segment; tags are assumed
 *   satisfiable) blocks it, unless the inner policy itself denies the same actions on a superset of
 *   what the outer deny names;
 * - an inner `notResources` allow is taken as allowing every resource of every shape.
 * Every (action, resource) pair counts, even one no request asks about today (`*` on `acct`): a
 * token carries no latent right that a future action could wake.
 * Every step is glob containment or intersection, linear in the globs' lengths; the number of
 * specifier comparisons is capped, so a caller cannot make the check itself expensive.
 */
export interface NamedPolicy {
  readonly label: string;
  readonly policy: Policy;
}

export type Containment =
  | { readonly within: true }
  | {
      readonly within: false;
      readonly tooComplex: false;
      readonly label: string;
      readonly statement: number;
      readonly action: string;
      readonly resource: string;
    }
  | { readonly within: false; readonly tooComplex: true };

/** Specifier comparisons one check may make; a policy at the 32 KiB cap against a built-in role stays well below. */
export const MAX_COMPARISONS = 50_000;

interface Spec {
  readonly text: string;
  readonly shape: ResourceShape;
  readonly segments: readonly { readonly key: string; readonly tags: readonly string[] }[];
}

interface Prepared {
  readonly index: number;
  readonly actions: number;
  readonly negated: boolean;
  readonly specs: readonly Spec[];
}

interface PreparedPolicy {
  readonly label: string;
  readonly allows: readonly Prepared[];
  readonly denies: readonly Prepared[];
}

const ACTION_BIT = new Map<string, number>(ALL_ACTIONS.map((action, i) => [action, 1 << i]));
const ALL_MASK = (1 << ALL_ACTIONS.length) - 1;

/** Every resource of a shape: what an inner `notResources` statement is taken to allow. */
const UNIVERSE: readonly Spec[] = RESOURCE_SHAPES.map((shape) =>
  toSpec(
    shape
      .split(':')
      .map((kind) => (kind === 'acct' ? 'acct' : `${kind}/*`))
      .join(':'),
  ),
);

function toSpec(text: string): Spec {
  const { shape, segments } = parseResource(text);
  return { text, shape, segments: segments.map((s) => ({ key: s.key, tags: s.tags })) };
}

function actionMask(actions: readonly string[], negate: boolean): number {
  let mask = 0;
  for (const action of actions) {
    if (!action.includes('*')) {
      mask |= ACTION_BIT.get(action) ?? 0;
      continue;
    }
    const matches = compileGlob(action);
    ALL_ACTIONS.forEach((known, i) => {
      if (matches(known)) mask |= 1 << i;
    });
  }
  return negate ? ~mask & ALL_MASK : mask;
}

function prepareStatement(statement: Statement, index: number): Prepared {
  return {
    index,
    actions: actionMask(statement.actions ?? statement.notActions ?? [], statement.notActions !== undefined),
    negated: statement.notResources !== undefined,
    specs: (statement.resources ?? statement.notResources ?? []).map(toSpec),
  };
}

function prepare({ label, policy }: NamedPolicy): PreparedPolicy {
  const statements = policy.map(prepareStatement);
  return {
    label,
    allows: statements.filter((_, i) => policy[i]!.effect === 'allow'),
    denies: statements.filter((_, i) => policy[i]!.effect === 'deny'),
  };
}

class Budget {
  private left = MAX_COMPARISONS;
  spend(): void {
    if (--this.left < 0) throw new TooComplex();
  }
}

class TooComplex extends Error {}

/** Every resource `inner` matches, `outer` matches. */
function specContains(outer: Spec, inner: Spec, budget: Budget): boolean {
  budget.spend();
  if (outer.shape !== inner.shape) return false;
  return outer.segments.every((o, i) => {
    const segment = inner.segments[i]!;
    return (
      globContains(o.key, segment.key) &&
      o.tags.every((wanted) => segment.tags.some((guaranteed) => globContains(wanted, guaranteed)))
    );
  });
}

/** Some resource may match both (tags can always be added, so only keys can keep them apart). */
function specsMayOverlap(a: Spec, b: Spec, budget: Budget): boolean {
  budget.spend();
  if (a.shape !== b.shape) return false;
  return a.segments.every((s, i) => globsIntersect(s.key, b.segments[i]!.key));
}

/** The statement's resources include every resource `spec` matches. */
function covers(statement: Prepared, spec: Spec, budget: Budget): boolean {
  return statement.negated
    ? statement.specs.every((excluded) => !specsMayOverlap(excluded, spec, budget))
    : statement.specs.some((included) => specContains(included, spec, budget));
}

/** The statement's resources may include some resource `spec` matches. */
function mayTouch(statement: Prepared, spec: Spec, budget: Budget): boolean {
  return statement.negated
    ? !statement.specs.some((excluded) => specContains(excluded, spec, budget))
    : statement.specs.some((included) => specsMayOverlap(included, spec, budget));
}

/**
 * The actions for which an outer deny does not matter because the inner policy denies them itself
 * on everything the outer deny names within `spec`.
 */
function excused(deny: Prepared, spec: Spec, innerDenies: readonly Prepared[], budget: Budget): number {
  if (deny.negated) return 0;
  const named = deny.specs.filter((s) => specsMayOverlap(s, spec, budget));
  let mask = 0;
  for (const own of innerDenies) {
    if (named.every((s) => covers(own, s, budget))) mask |= own.actions;
  }
  return mask;
}

/** The actions of `need` that one outer policy allows on every resource `spec` matches. */
function coveredBy(
  outer: PreparedPolicy,
  need: number,
  spec: Spec,
  innerDenies: readonly Prepared[],
  budget: Budget,
): number {
  let allowed = 0;
  for (const allow of outer.allows) {
    if ((allow.actions & need & ~allowed) !== 0 && covers(allow, spec, budget)) allowed |= allow.actions;
  }
  allowed &= need;
  for (const deny of outer.denies) {
    const blocked = deny.actions & allowed;
    if (blocked !== 0 && mayTouch(deny, spec, budget))
      allowed &= ~(blocked & ~excused(deny, spec, innerDenies, budget));
  }
  return allowed;
}

const firstAction = (mask: number) => ALL_ACTIONS.find((_, i) => (mask & (1 << i)) !== 0) ?? '';

export function policiesWithin(inner: readonly NamedPolicy[], outer: readonly NamedPolicy[]): Containment {
  const budget = new Budget();
  const outerPrepared = outer.map(prepare);
  try {
    for (const policy of inner.map(prepare)) {
      for (const allow of policy.allows) {
        for (const spec of allow.negated ? UNIVERSE : allow.specs) {
          let need = allow.actions;
          for (const candidate of outerPrepared) {
            if (need === 0) break;
            need &= ~coveredBy(candidate, need, spec, policy.denies, budget);
          }
          if (need !== 0) {
            return {
              within: false,
              tooComplex: false,
              label: policy.label,
              statement: allow.index,
              action: firstAction(need),
              resource: spec.text,
            };
          }
        }
      }
    }
  } catch (error) {
    if (error instanceof TooComplex) return { within: false, tooComplex: true };
    throw error;
  }
  return { within: true };
}
