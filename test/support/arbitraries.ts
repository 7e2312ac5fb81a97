import fc from 'fast-check';
import { ALL_ACTIONS } from '../../shared/domain/actions.js';
import type { Policy, Statement } from '../../shared/domain/policy.js';

/** Small vocabularies so that random specifiers and resources actually meet. */
const KEYS = ['web', 'api', 'production', 'test', 'm1', 'm2', 'ops'];
const KEY_GLOBS = [...KEYS, '*', 'w*', '*st', 'p*n'];
const TAGS = ['mobile', 'beta'];
const SHAPES = [
  ['proj'],
  ['proj', 'env'],
  ['proj', 'env', 'flag'],
  ['member'],
  ['member', 'token'],
  ['service-token'],
  ['role'],
  ['acct'],
];

const segmentText = (kind: string, key: string, tags: string[]) => {
  const head = kind === 'acct' ? 'acct' : `${kind}/${key}`;
  return tags.length > 0 ? `${head};${tags.join(',')}` : head;
};

function pathOf(keys: readonly string[], tags: fc.Arbitrary<string[]>) {
  return fc
    .constantFrom(...SHAPES)
    .chain((kinds) =>
      fc
        .tuple(...kinds.map((kind) => fc.tuple(fc.constant(kind), fc.constantFrom(...keys), tags)))
        .map((segments) => segments.map(([kind, key, t]) => segmentText(kind, key, t)).join(':')),
    );
}

export const resourceText = pathOf(KEYS, fc.subarray(TAGS));
export const resourceSpecText = pathOf(KEY_GLOBS, fc.subarray([...TAGS, 'mob*'], { maxLength: 1 }));
export const action = fc.constantFrom(...ALL_ACTIONS);
export const actionGlob = fc.oneof(action, fc.constantFrom('*', 'view*', 'update*', 'create*', '*Flag'));

export const statement: fc.Arbitrary<Statement> = fc
  .record({
    effect: fc.constantFrom('allow', 'deny') as fc.Arbitrary<'allow' | 'deny'>,
    negateResources: fc.boolean(),
    negateActions: fc.boolean(),
    specs: fc.array(resourceSpecText, { minLength: 1, maxLength: 3 }),
    actions: fc.array(actionGlob, { minLength: 1, maxLength: 3 }),
  })
  .map(({ effect, negateResources, negateActions, specs, actions }) => ({
    effect,
    ...(negateResources ? { notResources: specs } : { resources: specs }),
    ...(negateActions ? { notActions: actions } : { actions }),
  }));

export const policy: fc.Arbitrary<Policy> = fc.array(statement, { maxLength: 8 });
