/**
 * Policy engine benchmark: median µs per decision and decisions per second for policies of 1, 20
 * and 200 statements, for this engine and for Cedar (@cedar-policy/cedar-wasm) with equivalent
 * policies on its fastest path (preparsePolicySet once, then statefulIsAuthorized), on the same
 * decisions, checking that both engines decide alike. Also the cost of checking a presented token,
 * and adversarial worst cases: a glob that made the old RegExp matcher backtrack, and policies built
 * up to the size caps to make one decision as slow as possible. Prints each goal with PASS or MISS
 * and exits non-zero when one is missed.
 *
 * Run: npm run bench:policy
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import {
  type Action,
  ALL_ACTIONS,
  PROJECT_ACTIONS as ALL_PROJECT_ACTIONS,
} from '../shared/domain/actions.js';
import { globMatches } from '../shared/domain/glob.js';
import {
  CompiledPolicy,
  MAX_KEY_GLOB_CHARS,
  MAX_POLICY_BYTES,
  MAX_POLICY_TAGS,
  MAX_SEARCHING_GLOBS,
  MAX_TAG_GLOBS,
  type Policy,
  policySchema,
  type Statement,
} from '../shared/domain/policy.js';
import {
  MAX_RESOURCE_KEY_CHARS,
  MAX_RESOURCE_TAGS,
  parseResource,
  type Resource,
  resourceCanExist,
} from '../shared/domain/resource.js';
import { accessTokenFormat, hashSecret } from '../shared/domain/token-format.js';
import { compileGlob as compileGlobBefore } from './baseline/glob.js';
import { CompiledPolicy as BaselinePolicy } from './baseline/policy.js';
import { fmt, median, nsPerOp, pick, seededRandom } from './support.js';

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
  readonly action: Action;
  readonly resource: Resource;
  readonly cedarCall: cedar.StatefulAuthorizationCall;
}

function main() {
  // `--adversarial-only` runs only the adversarial cases, `--typical-only` all but those.
  if (process.argv.includes('--adversarial-only')) {
    adversarialBacktracking();
    adversarialPolicies();
    reportGoals();
    return;
  }
  console.log(`Policy engine vs Cedar ${cedar.getCedarVersion()} (node ${process.version}), medians\n`);
  const decisionTexts = Array.from({ length: 1000 }, () => ({
    action: pick<Action>(random, [...PROJECT_ACTIONS, 'viewProject']),
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
  const typical = new Map<number, { ours: number; oursCpu: number; baselineCpu: number; theirs: number }>();
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
    // The goal "within 1.2× of before" compares CPU time with the engine as it was before this
    // change (bench/baseline/), on the same decisions, in the same run, rounds interleaved.
    const baseline = new BaselinePolicy(policy);
    let baselineAgrees = 0;
    for (const d of decisions)
      if (baseline.allows(d.action, d.resource) === compiled.allows(d.action, d.resource)) baselineAgrees++;
    if (baselineAgrees !== decisions.length) failed = true;
    const [oursCpu, baselineCpu] = interleavedCpuNsPerOp(
      [compiled, baseline].map((engine) => () => {
        for (let k = 0; k < 10; k++)
          for (const d of decisions) if (engine.allows(d.action, d.resource)) sink++;
      }),
      decisions.length * 10,
      250,
    ) as [number, number];
    typical.set(size, { ours, oursCpu, baselineCpu, theirs });
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
  checkTypicalGoals(typical);
  if (!process.argv.includes('--typical-only')) {
    adversarialBacktracking();
    adversarialPolicies();
  }
  reportGoals();
  if (failed) {
    console.error('The engines disagreed on some decisions: the translation or an engine is wrong.');
    process.exitCode = 1;
  }
}

// --- Goals, each printed with its figure and PASS or MISS; a miss makes the benchmark exit non-zero.
interface Goal {
  readonly goal: string;
  readonly figure: string;
  readonly pass: boolean;
}
const goals: Goal[] = [];

function reportGoals(): void {
  console.log('\nGoals');
  for (const g of goals) console.log(`  ${g.pass ? 'PASS' : 'MISS'}  ${g.goal}: ${g.figure}`);
  const missed = goals.filter((g) => !g.pass).length;
  if (missed > 0) {
    console.error(`${missed} of ${goals.length} goals missed.`);
    process.exitCode = 1;
  }
}

function checkTypicalGoals(
  typical: ReadonlyMap<number, { ours: number; oursCpu: number; baselineCpu: number; theirs: number }>,
): void {
  const at20 = typical.get(20)!;
  goals.push({
    goal: '≥ 20× faster than Cedar at 20 statements',
    figure: `${fmt(at20.theirs / at20.ours, 0)}×`,
    pass: at20.theirs / at20.ours >= 20,
  });
  goals.push({
    goal: 'a 20-statement decision under 1 µs',
    figure: `${fmt(at20.ours / 1000, 3)} µs`,
    pass: at20.ours < 1000,
  });
  for (const [size, { oursCpu, baselineCpu }] of typical) {
    const before = baselineCpu / 1000;
    const now = oursCpu / 1000;
    goals.push({
      goal: `(c) typical decision, ${size} statements, within 1.2× of the engine before (${fmt(before, 4)} µs CPU, same run)`,
      figure: `${fmt(now, 4)} µs CPU (${fmt(now / before, 2)}×)`,
      pass: now <= 1.2 * before,
    });
  }
}

// --- Adversarial worst cases. DESIGN.md decision 7: nothing a caller sends can make a decision cost
// more than linear time. The issue's goal: any decision, for any policy the schema accepts (up to
// MAX_POLICY_BYTES) and any resource up to 1 KiB, in at most 5 µs.
const DECISION_GOAL_US = 5;
const MAX_RESOURCE_BYTES = 1024;
const BACKTRACKING = '*a*a*a*a*a*a*a*a*a*a*b';

/**
 * Median CPU nanoseconds per operation of `batch` (which performs `perBatch`), after a warm-up. CPU
 * time rather than wall time, because the goals below are about what a decision costs and a busy
 * shared machine (other processes, other tests) stretches wall time several-fold.
 */
function cpuNsPerOp(batch: () => void, perBatch: number, rounds: number): number {
  for (let i = 0; i < Math.max(3, rounds / 5); i++) batch();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.cpuUsage();
    batch();
    const used = process.cpuUsage(start);
    samples.push(((used.user + used.system) * 1000) / perBatch);
  }
  return median(samples);
}

/** `cpuNsPerOp` for several batches at once, their rounds interleaved so that load hits all alike. */
function interleavedCpuNsPerOp(batches: readonly (() => void)[], perBatch: number, rounds: number): number[] {
  for (let i = 0; i < Math.max(3, rounds / 5); i++) for (const batch of batches) batch();
  const samples = batches.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    batches.forEach((batch, b) => {
      const start = process.cpuUsage();
      batch();
      const used = process.cpuUsage(start);
      samples[b]!.push(((used.user + used.system) * 1000) / perBatch);
    });
  }
  return samples.map(median);
}

/** Median CPU µs of one `viewProject` decision, in batches of a few milliseconds. */
/**
 * A full garbage collection, run before each adversarial case is timed: the cases build policies of
 * 32 KiB, and a collection of an earlier case's garbage running on V8's helper threads while a
 * later one is timed counts in the process's CPU time (doubling some figures from run to run).
 */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function decisionMicros(compiled: CompiledPolicy, resource: Resource): number {
  collectGarbage();
  // Warm up for 100 ms, so that V8 has optimized this policy's paths before the batches are sized
  // and timed: on a busy machine its background compiler can take that long, and a figure taken
  // before would be the unoptimized code's (up to 5× slower, and varying run to run).
  const warm = process.hrtime.bigint() + 100_000_000n;
  let calls = 0;
  while (process.hrtime.bigint() < warm || calls < 10) {
    compiled.allows('viewProject', resource);
    calls++;
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < 10; i++) compiled.allows('viewProject', resource);
  const onceUs = Number(process.hrtime.bigint() - start) / 10_000;
  const perBatch = Math.max(1, Math.min(100_000, Math.floor(3000 / Math.max(onceUs, 0.01))));
  let allowed = 0;
  const batch = () => {
    for (let i = 0; i < perBatch; i++) if (compiled.allows('viewProject', resource)) allowed++;
  };
  const us = cpuNsPerOp(batch, perBatch, onceUs > 5000 ? 7 : 31) / 1000;
  if (allowed % perBatch !== 0) throw new Error('the same decision came out differently');
  return us;
}

/** Binomial coefficient, for the growth of the old RegExp's backtracking. */
function choose(n: number, k: number): number {
  let result = 1;
  for (let i = 0; i < k; i++) result = (result * (n - i)) / (i + 1);
  return result;
}

function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i]!)).join('  '));
}

function adversarialBacktracking(): void {
  console.log(
    `\nAdversarial (a): resource proj/<n × "a"> against one statement on proj/${BACKTRACKING} (the issue's),` +
      ` and on the same with a trailing "*", which the suffix check cannot reject early.` +
      '\nThe old RegExp engine is run only at n = 34 (3 runs, one call each): its backtracking grows like' +
      ' C(n, 11), so larger n are extrapolated from it, not run. At n = 1000 the key is longer than any' +
      ` key (${MAX_RESOURCE_KEY_CHARS} characters): the engine decides it without a glob.`,
  );
  const rows = [['glob', 'n', 'old RegExp CPU ms/test', 'new CPU µs/decision', 'answer']];
  let oldMs = Number.NaN;
  for (const glob of [BACKTRACKING, `${BACKTRACKING}*`]) {
    for (const n of [34, 100, 1000]) {
      const key = 'a'.repeat(n);
      const resource = parseResource(`proj/${key}`);
      const compiled = new CompiledPolicy([{ effect: 'allow', actions: ['*'], resources: [`proj/${glob}`] }]);
      const answer = compiled.allows('viewProject', resource);
      let old = 'not run';
      if (glob === BACKTRACKING && n === 34) {
        const regex = compileGlobBefore(glob);
        const runs = [0, 1, 2].map(() => {
          const start = process.cpuUsage();
          if (regex(key) !== answer) throw new Error('the old and new engines disagree');
          const used = process.cpuUsage(start);
          return (used.user + used.system) / 1000;
        });
        oldMs = median(runs);
        old = fmt(oldMs, 0);
      } else if (glob === BACKTRACKING) {
        const years = (oldMs * (choose(n, 11) / choose(34, 11))) / 31_557_600_000;
        old = `not run (≈ ${years < 1000 ? fmt(years, 2) : years.toExponential(0)} years)`;
      }
      const us = decisionMicros(compiled, resource);
      rows.push([`proj/${glob}`, String(n), old, fmt(us, 3), String(answer)]);
      goals.push({
        goal: `(a) proj/${glob} against ${n} × "a" ≤ ${DECISION_GOAL_US} µs`,
        figure: `${fmt(us, 3)} µs`,
        pass: us <= DECISION_GOAL_US,
      });
    }
  }
  printTable(rows);
}

interface Fill {
  readonly effect?: 'allow' | 'deny';
  /** `notResources` statements instead of `resources`. */
  readonly negate?: boolean;
  /** Specifiers per statement (at most 100). */
  readonly perStatement?: number;
}

/**
 * Statements on every action (deny, of 100 specifiers each, unless told otherwise) with the
 * specifiers `spec(0)`, `spec(1)`, … for as long as the size caps allow or `spec` gives one.
 */
function fillPolicy(spec: (i: number) => string | null, fill: Fill = {}): Policy {
  const { effect = 'deny', negate = false, perStatement = 100 } = fill;
  const field = negate ? 'notResources' : 'resources';
  const policy: Statement[] = [];
  let bytes = 2;
  let i = 0;
  let done = false;
  while (policy.length < 200 && !done) {
    const specs: string[] = [];
    const statement = { effect, actions: ['*'], [field]: specs } as Statement;
    let added = Buffer.byteLength(JSON.stringify(statement)) + (policy.length > 0 ? 1 : 0);
    while (specs.length < perStatement) {
      const text = spec(i);
      if (text === null) {
        done = true;
        break;
      }
      const more = Buffer.byteLength(JSON.stringify(text)) + (specs.length > 0 ? 1 : 0);
      if (bytes + added + more > MAX_POLICY_BYTES) {
        done = true;
        break;
      }
      specs.push(text);
      added += more;
      i++;
    }
    if (specs.length === 0) break;
    policy.push(statement);
    bytes += added;
  }
  if (Buffer.byteLength(JSON.stringify(policy)) !== bytes) throw new Error('miscounted the policy size');
  return policy;
}

// Two-character codes without "a": every specifier below is distinct (nothing to deduplicate), and
// none of their text occurs in a key of "a"s.
const CODE_CHARS = 'bcdefghijklmnopqrstuvwxyzBCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const code = (i: number) =>
  CODE_CHARS[i % CODE_CHARS.length]! + CODE_CHARS[Math.floor(i / CODE_CHARS.length) % CODE_CHARS.length]!;
const searching = (i: number) => `proj/*a${code(i)}*`;
const oneStar = (i: number) => `proj/a*${code(i)}`;
const as = (n: number) => 'a'.repeat(n);
/** The longest chain of globs that can all match one key: as many as a key glob has characters. */
const CHAIN = MAX_KEY_GLOB_CHARS;
const bs = (n: number) => 'b'.repeat(n);

/**
 * The resources below are the costliest that can exist (shared/domain/resource.ts: keys of at most
 * MAX_RESOURCE_KEY_CHARS, at most MAX_RESOURCE_TAGS tags of MAX_RESOURCE_TAG_CHARS on a segment):
 * longer keys and more tags name nothing, and a decision on them tests no glob (the rows "cannot
 * exist" measure that). Each is at most MAX_RESOURCE_BYTES.
 */
/** The longest project key there can be, of "a"s, which every "*a…*" glob above must read to the end. */
const LONG_KEY = `proj/${as(MAX_RESOURCE_KEY_CHARS)}`;
/** A flag whose three keys are all that long: globs that search may read 3 keys. */
const THREE_KEYS = `proj/${as(MAX_RESOURCE_KEY_CHARS)}:env/${as(MAX_RESOURCE_KEY_CHARS)}:flag/${as(MAX_RESOURCE_KEY_CHARS)}`;
/** 1 KiB: a project key ten times longer than any key, which cannot exist. */
const KEY_1K = `proj/${as(MAX_RESOURCE_BYTES - 5)}`;
/**
 * Tag `i` of `length` characters: "xb", a character that no tag glob below has there, then "c",
 * then its own code: never "z…" nor "t…", distinct, and alike a tag glob `xb<k>c*` in its first
 * and fourth characters, so that no test of it against one is settled without comparing it in full.
 */
const TAG_THIRD = CODE_CHARS.slice(0, 40) + CODE_CHARS.slice(50);
const tag = (i: number, length: number) => `xb${TAG_THIRD[i % 50]}c${code(i)}`.padEnd(length, 'x');
/** A tag glob that no tag above matches: "xb", a character of CODE_CHARS[40..49], "c", "*". */
const tagGlob = (i: number) => (i < 10 ? `xb${CODE_CHARS[40 + i]}c*` : `xb${code(100 + i)}*`);
/**
 * Just under 1 KiB: the longest project key, with all the tags a segment can carry, "x…" and last
 * "z", so that finding "z" takes a look at every tag, and each tag as long as fits.
 */
const MANY_TAGS = `${LONG_KEY};${[...Array.from({ length: MAX_RESOURCE_TAGS - 1 }, (_, i) => tag(i, 17)), 'z'].join(',')}`;
/** 1 KiB: a project with 508 tags "x" and then "z", ten times the tags anything carries: cannot exist. */
const TAGS_1K = `proj/k;${Array(508).fill('x').join(',')},z`;
/** A project of "a"s whose environment "c" no "b…" glob matches. */
const LONG_TWO = `proj/${as(MAX_RESOURCE_KEY_CHARS)}:env/c`;
/** A project with every tag "b<y>" of the pairs below, and no "a<x>". */
const PAIRED_TAGS = `proj/k;${Array.from({ length: 48 }, (_, i) => `b${code(i)}`).join(',')}`;
/** A flag with all the 4-character tags its project and it can carry (an environment has none), none "t…". */
const TAGGED_FLAG = (() => {
  const tags = Array.from({ length: MAX_RESOURCE_TAGS }, (_, i) => tag(i, 4)).join(',');
  return `proj/p;${tags}:env/e:flag/f;${tags}`;
})();
/** The i-th pair (a, b) of positive lengths, by a + b and then a: (1, 1), (1, 2), (2, 1), (1, 3), … */
function infixPair(i: number): [number, number] {
  let k = i;
  let sum = 2;
  while (k >= sum - 1) {
    k -= sum - 1;
    sum++;
  }
  return [1 + k, sum - 1 - k];
}
/**
 * A flag whose three keys are as long as any key, its project and it with all the tags they can
 * carry: what globs that search keys and tag globs on every tagged segment read at once.
 */
const LONG_TAGGED_FLAG = (() => {
  const tags = Array.from({ length: MAX_RESOURCE_TAGS }, (_, i) => tag(i, 4)).join(',');
  const key = as(MAX_RESOURCE_KEY_CHARS);
  return `proj/${key};${tags}:env/${key}:flag/${key};${tags}`;
})();
/** On a flag, `searching` (text between stars) in the key of segment `i % 3`, `*` elsewhere. */
const searchingFlag = (i: number) =>
  ['proj/*', 'env/*', 'flag/*'].map((head, pos) => (pos === i % 3 ? `${head}a${code(i)}*` : head)).join(':');

/**
 * The worst cases of the engine's own structure (shared/domain/resource-index.ts) besides the ones
 * above: globs that all match the same key (a chain of prefixes, each a separate branch), globs
 * that match it in part (prefix yes, suffix no), specifiers whose every segment is a glob, tags on
 * every segment, statements of one specifier each, and `notResources`.
 */
interface Adversary {
  readonly name: string;
  readonly policy: Policy;
  readonly resource: string;
  /** The rows whose difference is the cost of the globs that scan the resource, at the cap. */
  readonly role?: 'base' | 'key searches' | 'tag globs';
}

const ADVERSARIAL_POLICIES: readonly Adversary[] = [
  {
    name: 'text between stars, never found: proj/*a<xy>*',
    policy: fillPolicy(searching),
    resource: LONG_KEY,
  },
  {
    name: `${MAX_SEARCHING_GLOBS} of those (the cap), then proj/a*<xy>`,
    policy: fillPolicy((i) => (i < MAX_SEARCHING_GLOBS ? searching(i) : oneStar(i))),
    resource: LONG_KEY,
    role: 'key searches',
  },
  {
    name: `${MAX_SEARCHING_GLOBS} with a part longer than 32 characters: proj/*a×33<x>*, then proj/a*<xy>`,
    policy: fillPolicy((i) => (i < MAX_SEARCHING_GLOBS ? `proj/*${as(33)}${code(i)}*` : oneStar(i))),
    resource: LONG_KEY,
  },
  {
    name: `the same against a 1 KiB key, which cannot exist`,
    policy: fillPolicy((i) => (i < MAX_SEARCHING_GLOBS ? searching(i) : oneStar(i))),
    resource: KEY_1K,
  },
  {
    name: `${MAX_SEARCHING_GLOBS} of those over a flag's three keys, then proj/a*<xy>:env/*:flag/*`,
    policy: fillPolicy((i) =>
      i < MAX_SEARCHING_GLOBS ? searchingFlag(i) : `proj/a*${code(i)}:env/*:flag/*`,
    ),
    resource: THREE_KEYS,
  },
  {
    name: `${MAX_SEARCHING_GLOBS} of those, then all three chains below (${MAX_KEY_GLOB_CHARS - 2} each)`,
    policy: fillPolicy((i) => {
      if (i < MAX_SEARCHING_GLOBS) return searching(i);
      const n = 1 + ((i - MAX_SEARCHING_GLOBS) % (MAX_KEY_GLOB_CHARS - 2));
      const kind = Math.min(3, Math.floor((i - MAX_SEARCHING_GLOBS) / (MAX_KEY_GLOB_CHARS - 2)));
      return [`proj/${as(n)}*`, `proj/*b${as(n)}`, `proj/${as(n)}*b`, oneStar(i)][kind]!;
    }),
    resource: LONG_KEY,
  },
  {
    name: 'one star, prefix matches: proj/a*<xy>',
    policy: fillPolicy(oneStar),
    resource: LONG_KEY,
    role: 'base',
  },
  { name: 'exact keys: proj/<xy>', policy: fillPolicy((i) => `proj/${code(i)}`), resource: LONG_KEY },
  { name: 'another shape: acct', policy: fillPolicy(() => 'acct'), resource: LONG_KEY },
  {
    name: 'tags: proj/*;z,z,…,z,y (252 × z)',
    policy: fillPolicy(() => `proj/*;${'z,'.repeat(252)}y`),
    resource: MANY_TAGS,
  },
  {
    name: 'prefix matches, suffix not: proj/a*b, proj/aa*b, … (any length)',
    policy: fillPolicy((i) => `proj/${as(i + 1)}*b`),
    resource: LONG_KEY,
  },
  {
    name: 'two segments, both chains: proj/a…*:env/b…* (any length)',
    policy: fillPolicy((i) => `proj/${as(i + 1)}*:env/${bs(i + 1)}*`),
    resource: LONG_TWO,
  },
  {
    name: `prefixes that all match: proj/a*, …, proj/a×${CHAIN}*`,
    policy: fillPolicy((i) => (i < CHAIN ? `proj/${as(i + 1)}*` : null)),
    resource: LONG_KEY,
  },
  {
    name: `prefix matches, suffix not: proj/a*b, …, proj/a×${CHAIN - 2}*b, then more suffixes`,
    policy: fillPolicy((i) => `proj/${as(1 + (i % (CHAIN - 2)))}*${i < CHAIN - 2 ? 'b' : code(i)}`),
    resource: LONG_KEY,
  },
  {
    name: `suffixes that all nearly match: proj/*ba, …, proj/*ba×${CHAIN - 2}, then more`,
    policy: fillPolicy((i) => `proj/*${i < CHAIN - 2 ? 'b' : code(i)}${as(1 + (i % (CHAIN - 2)))}`),
    resource: LONG_KEY,
  },
  {
    name: `all three chains at once (${CHAIN - 2} each), then proj/a*<xy>`,
    policy: fillPolicy((i) => {
      const n = 1 + (i % (CHAIN - 2));
      const kind = Math.min(3, Math.floor(i / (CHAIN - 2)));
      return [`proj/${as(n)}*`, `proj/*b${as(n)}`, `proj/${as(n)}*b`, oneStar(i)][kind]!;
    }),
    resource: LONG_KEY,
  },
  {
    name: `two segments, both chains: proj/a…*:env/b…* (up to ${CHAIN} each, every pairing)`,
    policy: fillPolicy((i) => {
      const round = Math.floor(i / CHAIN);
      return `proj/${as(1 + (i % CHAIN))}*:env/${bs(1 + ((i + round) % CHAIN))}*`;
    }),
    resource: LONG_TWO,
  },
  {
    name: `prefixes and suffixes that all match, each with an environment: proj/a×i*:env/<xy>*, proj/*a×i:env/<xy>*`,
    policy: fillPolicy((i) =>
      i < CHAIN
        ? `proj/${as(i + 1)}*:env/${code(i)}*`
        : i < 2 * CHAIN
          ? `proj/*${as(i - CHAIN + 1)}:env/${code(i)}*`
          : null,
    ),
    resource: LONG_TWO,
  },
  {
    name: 'p*s globs that all match: proj/a×i*a×j (i + j ≤ 41)',
    policy: fillPolicy((i) => {
      const [a, b] = infixPair(i);
      return `proj/${as(a)}*${as(b)}`;
    }),
    resource: LONG_KEY,
  },
  {
    name: 'the same, each with an environment: proj/a×i*a×j:env/b…<xy>*',
    policy: fillPolicy((i) => {
      const [a, b] = infixPair(i);
      return `proj/${as(a)}*${as(b)}:env/${bs(1 + (i % (CHAIN - 2)))}${code(i)}*`;
    }),
    resource: LONG_TWO,
  },
  {
    name: 'tags on every segment: proj/*;t<xy>:env/*;t<xy>:flag/*;t<xy>',
    policy: fillPolicy((i) => `proj/*;t${code(i)}:env/*;t${code(i)}:flag/*;t${code(i)}`),
    resource: TAGGED_FLAG,
  },
  {
    name: `the same, up to the cap (${MAX_POLICY_TAGS} tags), then proj/a*<xy>`,
    policy: fillPolicy((i) => {
      const tagged = Math.floor(MAX_POLICY_TAGS / 3);
      return i < tagged ? `proj/*;t${code(i)}:env/*;t${code(i)}:flag/*;t${code(i)}` : `proj/a*${code(i)}`;
    }),
    resource: TAGGED_FLAG,
  },
  {
    name: 'two tags each, the resource holding one of every pair: proj/*;a<x>,b<y>',
    policy: fillPolicy((i) => `proj/*;a${code(i % 40)},b${code(Math.floor(i / 40))}`),
    resource: PAIRED_TAGS,
  },
  {
    name: `the same, up to the cap (${MAX_POLICY_TAGS} tags), then proj/a*<xy>`,
    policy: fillPolicy((i) =>
      i < MAX_POLICY_TAGS / 2 ? `proj/*;a${code(i % 8)},b${code(Math.floor(i / 8))}` : `proj/a*${code(i)}`,
    ),
    resource: PAIRED_TAGS,
  },
  {
    name: 'glob tags: proj/*;xb<xy>*',
    policy: fillPolicy((i) => `proj/*;${tagGlob(i)}`),
    resource: MANY_TAGS,
  },
  {
    name: `${MAX_TAG_GLOBS} of those (the cap), then proj/a*<xy>`,
    policy: fillPolicy((i) => (i < MAX_TAG_GLOBS ? `proj/*;${tagGlob(i)}` : oneStar(i))),
    resource: MANY_TAGS,
    role: 'tag globs',
  },
  {
    name: 'the same against 509 tags, which nothing carries',
    policy: fillPolicy((i) => (i < MAX_TAG_GLOBS ? `proj/*;${tagGlob(i)}` : oneStar(i))),
    resource: TAGS_1K,
  },
  {
    name: `${MAX_TAG_GLOBS} over a flag's two tagged segments of ${MAX_RESOURCE_TAGS} tags: proj/*;xb<x>*:env/*:flag/*;xb<y>*`,
    policy: fillPolicy((i) =>
      i < MAX_TAG_GLOBS / 2
        ? `proj/*;${tagGlob(2 * i)}:env/*:flag/*;${tagGlob(2 * i + 1)}`
        : `proj/a*${code(i)}:env/*:flag/*`,
    ),
    resource: TAGGED_FLAG,
  },
  {
    name: `${MAX_SEARCHING_GLOBS - MAX_TAG_GLOBS} key globs that search a flag's three keys, a tag glob on its project and on it`,
    policy: fillPolicy((i) =>
      i < MAX_SEARCHING_GLOBS - MAX_TAG_GLOBS
        ? searchingFlag(i)
        : i < MAX_SEARCHING_GLOBS
          ? i % 2 === 0
            ? `proj/*;${tagGlob(i)}:env/*:flag/*`
            : `proj/*:env/*:flag/*;${tagGlob(i)}`
          : `proj/a*${code(i)}:env/*:flag/*`,
    ),
    resource: LONG_TAGGED_FLAG,
  },
  {
    name: `${MAX_SEARCHING_GLOBS - MAX_TAG_GLOBS} key globs that search and ${MAX_TAG_GLOBS} tag globs, on a project`,
    policy: fillPolicy((i) =>
      i < MAX_SEARCHING_GLOBS - MAX_TAG_GLOBS
        ? searching(i)
        : i < MAX_SEARCHING_GLOBS
          ? `proj/*;${tagGlob(i)}`
          : oneStar(i),
    ),
    resource: MANY_TAGS,
  },
  {
    name: 'tag globs with text between stars: proj/*;*b<xy>*',
    policy: fillPolicy((i) => (i < MAX_TAG_GLOBS ? `proj/*;*b${code(100 + i)}*` : oneStar(i))),
    resource: MANY_TAGS,
  },
  {
    name: 'one specifier per statement: proj/<xy>',
    policy: fillPolicy((i) => `proj/${code(i)}`, { perStatement: 1, effect: 'allow' }),
    resource: LONG_KEY,
  },
  {
    name: `notResources, each matching: proj/a*, …, proj/a×${CHAIN}*, then proj/*a<xy>`,
    policy: fillPolicy((i) => `proj/${i < CHAIN ? as(i + 1) : `*a${code(i)}`}`, {
      perStatement: 1,
      negate: true,
    }),
    resource: LONG_KEY,
  },
];

function adversarialPolicies(): void {
  console.log(
    `\nAdversarial (b): policies filled to the caps (${MAX_POLICY_BYTES} bytes, 200 statements, 100` +
      " specifiers each) so that one decision has as many specifiers of the resource's shape as" +
      ` possible to consider; the costliest resources that can exist (keys of ${MAX_RESOURCE_KEY_CHARS}` +
      ` characters, ${MAX_RESOURCE_TAGS} tags a segment), and 1 KiB ones that cannot; at most` +
      ` ${MAX_RESOURCE_BYTES} bytes; CPU µs. The goal counts only policies the schema accepts.`,
  );
  const rows = [
    ['policy', 'statements', 'specifiers', 'bytes', 'schema', 'resource', 'µs/decision', 'µs/specifier'],
  ];
  const notes: string[] = [];
  const micros = new Map<Adversary['role'], number>();
  for (const adversary of ADVERSARIAL_POLICIES) {
    const { name, policy, resource } = adversary;
    if (resource.length > MAX_RESOURCE_BYTES) throw new Error(`${name}: the resource is too long`);
    const exists = resourceCanExist(parseResource(resource));
    if (exists === (name.includes('cannot exist') || name.includes('nothing carries')))
      throw new Error(`${name}: the name says wrongly whether the resource can exist`);
    const specifiers = policy.reduce((n, s) => n + (s.resources ?? s.notResources ?? []).length, 0);
    const bytes = Buffer.byteLength(JSON.stringify(policy));
    const verdict = policySchema.safeParse(policy);
    const us = decisionMicros(new CompiledPolicy(policy), parseResource(resource));
    if (adversary.role !== undefined) micros.set(adversary.role, us);
    const schema = verdict.success ? 'accepted' : 'rejected';
    const cells = [
      String(policy.length),
      String(specifiers),
      String(bytes),
      schema,
      `${resource.length} B${exists ? '' : ', none'}`,
      fmt(us, 1),
    ];
    rows.push([name, ...cells, fmt(us / specifiers, 4)]);
    if (!verdict.success) notes.push(`Rejected "${name}": ${verdict.error.issues[0]!.message}.`);
    else
      goals.push({
        goal: `(b) ${name}, ${specifiers} specifiers, ≤ ${DECISION_GOAL_US} µs`,
        figure: `${fmt(us, 1)} µs`,
        pass: us <= DECISION_GOAL_US,
      });
  }
  printTable(rows);
  const base = micros.get('base')!;
  const keys = micros.get('key searches')! - base;
  const tags = micros.get('tag globs')! - base;
  notes.push(
    `Over the same policy without them, the ${MAX_SEARCHING_GLOBS} key globs that search cost ${fmt(keys, 2)} µs` +
      ` (${fmt(keys / MAX_SEARCHING_GLOBS, 3)} µs each, a pass over the longest key, ${MAX_RESOURCE_KEY_CHARS}` +
      ` characters), and ${MAX_TAG_GLOBS} tag globs ${fmt(tags, 2)} µs (${fmt(tags / MAX_TAG_GLOBS, 3)} µs each, a test of` +
      ` ${MAX_RESOURCE_TAGS} tags). A resource that cannot exist is decided without either.`,
  );
  for (const note of notes) console.log(note);
}

main();
