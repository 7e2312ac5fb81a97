/**
 * Policy engine benchmark: median µs per decision and decisions per second for policies of 1, 20
 * and 200 statements, for this engine and for Cedar (@cedar-policy/cedar-wasm) with equivalent
 * policies on its fastest path (preparsePolicySet once, then statefulIsAuthorized), on the same
 * decisions, checking that both engines decide alike. Also the cost of checking a presented token.
 *
 * Run: npm run bench:policy
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { ALL_ACTIONS, PROJECT_ACTIONS as ALL_PROJECT_ACTIONS } from '../shared/domain/actions.js';
import { globMatches } from '../shared/domain/glob.js';
import { CompiledPolicy, type Policy, type Statement } from '../shared/domain/policy.js';
import { parseResource, type Resource } from '../shared/domain/resource.js';
import { accessTokenFormat, hashSecret } from '../shared/domain/token-format.js';
import { fmt, nsPerOp, pick, seededRandom } from './support.js';

const random = seededRandom(20261127);
const FLAG_ACTIONS = ALL_PROJECT_ACTIONS.filter((a) => !a.endsWith('Project'));
const PROJECTS = ['web', 'api', 'mobile', 'billing'];
const ENVS = ['production', 'test', 'staging'];
const FLAGS = ['new-ui', 'dark-mode', 'checkout-v2', 'search'];
const TAGS = ['team-a', 'team-b', 'beta'];
// The flag actions of the policy language; `viewProject` joins them in the decisions.
const PROJECT_ACTIONS = FLAG_ACTIONS;

function keyGlob(keys: readonly string[]): string {
  const r = random();
  if (r < 0.3) return '*';
  const key = pick(random, keys);
  return r < 0.45 ? `${key.slice(0, 2)}*` : key;
}

function tagSuffix(): string {
  return random() < 0.2 ? `;${pick(random, TAGS)}` : '';
}

function randomSpec(): string {
  const depth = 1 + Math.floor(random() * 3);
  const parts = [`proj/${keyGlob(PROJECTS)}${depth === 1 ? tagSuffix() : ''}`];
  if (depth >= 2) parts.push(`env/${keyGlob(ENVS)}`);
  if (depth === 3) parts.push(`flag/${keyGlob(FLAGS)}${tagSuffix()}`);
  return parts.join(':');
}

function randomStatement(): Statement {
  const actions =
    random() < 0.2
      ? ['*']
      : [pick(random, PROJECT_ACTIONS), pick(random, ['view*', 'update*', 'viewProject'])];
  const specs = [randomSpec(), ...(random() < 0.5 ? [randomSpec()] : [])];
  return {
    effect: random() < 0.25 ? 'deny' : 'allow',
    ...(random() < 0.1 ? { notResources: specs } : { resources: specs }),
    ...(random() < 0.1 ? { notActions: actions } : { actions }),
  };
}

function randomResource(): string {
  const tags = random() < 0.3 ? `;${pick(random, TAGS)}` : '';
  const depth = 1 + Math.floor(random() * 3);
  if (depth === 1) return `proj/${pick(random, PROJECTS)}${tags}`;
  if (depth === 2) return `proj/${pick(random, PROJECTS)}:env/${pick(random, ENVS)}`;
  return `proj/${pick(random, PROJECTS)}:env/${pick(random, ENVS)}:flag/${pick(random, FLAGS)}${tags}`;
}

// --- Cedar translation: a resource is an entity whose attributes carry its shape, its path without
// tags, and each segment's tags; a key glob is a `like` on the path, exact because keys hold no ':'.
const quote = (s: string) => JSON.stringify(s);

function cedarResourceCondition(spec: string): string {
  const resource = parseResource(spec.replaceAll('*', 'x'));
  const segments = spec.split(':').map((part) => part.split(';'));
  const path = segments.map(([head]) => head).join(':');
  const conditions = [`resource.shape == ${quote(resource.shape)}`, `resource.path like ${quote(path)}`];
  segments.forEach(([, tags], i) => {
    if (tags) conditions.push(`resource.t${i}.containsAll([${tags.split(',').map(quote).join(', ')}])`);
  });
  return `(${conditions.join(' && ')})`;
}

function cedarActionList(globs: readonly string[]): string {
  const actions = ALL_ACTIONS.filter((a) => globs.some((g) => globMatches(g, a)));
  return `[${actions.map((a) => `Action::${quote(a)}`).join(', ')}]`;
}

function toCedar(policy: Policy): string {
  return policy
    .map((s) => {
      const effect = s.effect === 'allow' ? 'permit' : 'forbid';
      const resources = (s.resources ?? s.notResources ?? []).map(cedarResourceCondition).join(' || ');
      const resourceClause = s.notResources ? `unless { ${resources} }` : `when { ${resources} }`;
      // Listed actions go in the scope, where Cedar can index them; negated ones need a condition.
      if (s.notActions) {
        const actions = cedarActionList(s.notActions);
        return `${effect}(principal, action, resource) unless { action in ${actions} } ${resourceClause};`;
      }
      return `${effect}(principal, action in ${cedarActionList(s.actions ?? [])}, resource) ${resourceClause};`;
    })
    .join('\n');
}

function cedarEntity(resource: Resource): cedar.EntityJson {
  const attrs: Record<string, cedar.CedarValueJson> = {
    shape: resource.shape,
    path: resource.segments.map((s) => `${s.kind}/${s.key}`).join(':'),
  };
  resource.segments.forEach((s, i) => {
    attrs[`t${i}`] = [...s.tags];
  });
  return { uid: { type: 'Resource', id: 'r' }, attrs, parents: [] };
}

interface Decision {
  readonly action: string;
  readonly resource: Resource;
  readonly cedarCall: cedar.StatefulAuthorizationCall;
}

function main() {
  console.log(`Policy engine vs Cedar ${cedar.getCedarVersion()} (node ${process.version}), medians\n`);
  const decisionTexts = Array.from({ length: 1000 }, () => ({
    action: pick(random, [...PROJECT_ACTIONS, 'viewProject']),
    resource: randomResource(),
  }));
  const rows: string[][] = [
    [
      'statements',
      'engine µs/decision',
      'engine decisions/s',
      'engine+parse µs',
      'cedar µs/decision',
      'cedar decisions/s',
      'speed-up',
      'allowed',
      'agree',
    ],
  ];
  let failed = false;
  for (const size of [1, 2, 20, 200]) {
    const policy = Array.from({ length: size }, randomStatement);
    const compiled = new CompiledPolicy(policy);
    const setId = `bench-${size}`;
    const prepared = cedar.preparsePolicySet(setId, { staticPolicies: toCedar(policy) });
    if (prepared.type !== 'success')
      throw new Error(`Cedar rejected the translation: ${JSON.stringify(prepared.errors)}`);
    const decisions: Decision[] = decisionTexts.map(({ action, resource }) => {
      const parsed = parseResource(resource);
      return {
        action,
        resource: parsed,
        cedarCall: {
          principal: { type: 'Token', id: 't' },
          action: { type: 'Action', id: action },
          resource: { type: 'Resource', id: 'r' },
          context: {},
          preparsedPolicySetId: setId,
          entities: [cedarEntity(parsed)],
        },
      };
    });

    let agree = 0;
    let allowed = 0;
    for (const d of decisions) {
      const answer = cedar.statefulIsAuthorized(d.cedarCall);
      if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
      const ours = compiled.allows(d.action, d.resource);
      if (ours === (answer.response.decision === 'allow')) agree++;
      if (ours) allowed++;
    }
    if (agree !== decisions.length) failed = true;

    let sink = 0;
    const ours = nsPerOp(
      () => {
        for (const d of decisions) if (compiled.allows(d.action, d.resource)) sink++;
      },
      decisions.length,
      201,
    );
    // The same decisions with the resource text parsed on each one, as Cedar parses its entities.
    const withParse = nsPerOp(
      () => {
        for (const d of decisionTexts) if (compiled.allows(d.action, parseResource(d.resource))) sink++;
      },
      decisionTexts.length,
      101,
    );
    const theirs = nsPerOp(
      () => {
        for (const d of decisions) if (cedar.statefulIsAuthorized(d.cedarCall).type === 'success') sink++;
      },
      decisions.length,
      size >= 200 ? 5 : 15,
    );
    if (sink === 0) throw new Error('nothing was decided');
    rows.push([
      String(size),
      fmt(ours / 1000, 3),
      fmt(1e9 / ours, 0),
      fmt(withParse / 1000, 3),
      fmt(theirs / 1000, 1),
      fmt(1e9 / theirs, 0),
      `${fmt(theirs / ours, 0)}×`,
      `${allowed}/${decisions.length}`,
      `${agree}/${decisions.length}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i]!)).join('  '));

  const tokens = Array.from({ length: 1000 }, () => accessTokenFormat.generate());
  let valid = 0;
  const check = nsPerOp(
    () => {
      for (const t of tokens) if (accessTokenFormat.isWellFormed(t) && hashSecret(t).length === 64) valid++;
    },
    tokens.length,
    51,
  );
  const mangled = tokens.map((t) => `${t.slice(0, 10)}${t[10] === 'a' ? 'b' : 'a'}${t.slice(11)}`);
  const reject = nsPerOp(
    () => {
      for (const t of mangled) if (!accessTokenFormat.isWellFormed(t)) valid++;
    },
    mangled.length,
    51,
  );
  console.log(
    `\nPresented token: format + checksum + SHA-256: ${fmt(check / 1000, 2)} µs median (${valid > 0 ? 'ok' : '?'})`,
  );
  console.log(`Mangled token rejected by format + checksum alone: ${fmt(reject / 1000, 2)} µs median`);
  console.log('\nGoals: ≥ 20× faster than Cedar at 20 statements; a 20-statement decision under 1 µs.');
  if (failed) {
    console.error('The engines disagreed on some decisions: the translation or an engine is wrong.');
    process.exitCode = 1;
  }
}

main();
