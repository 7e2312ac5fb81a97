import { compileGlob, type GlobShape, globShape, type Matcher, startsAt } from './glob.js';
import { type CompiledSegment, hasTag, type ResourceSegment } from './resource.js';

/**
 * An index of many resource specifiers of one shape, each filed under the statement it belongs to,
 * that answers "which statements have a specifier matching this resource" without testing the
 * specifiers one by one: a decision costs the resource's length and the few places where its keys
 * can land, not the number of specifiers (DESIGN.md decision 7; bench/policy.ts, adversarial (b)).
 *
 * Statements are bits of an Int32Array (numbered by the plan that owns the index). Specifiers are
 * filed in a tree, one segment position per level: exact keys in a hash map, one-star globs in
 * radix trees (`p*` by prefix, `*s` by suffix read backwards, `p*s` by prefix and then suffix),
 * `*` as a branch that tests nothing, and globs that search (text between two stars, capped by
 * the schema) in a list. Where a branch holds only statement bits, the bits are merged down the
 * radix path, so a walk along a key ORs one set at the end rather than one per glob on the way.
 * Tags are tested last, where a specifier's keys have all matched; many tag sets in one place are
 * looked up by their rarest exact tag. Each place in the tree is reached by one path, so a decision
 * visits it at most once.
 */

export type Bits = Int32Array;

function orInto(target: Bits, source: Bits): void {
  for (let w = 0; w < source.length; w++) target[w] = target[w]! | source[w]!;
}

/** A specifier as the index files it: its segments, and the statement (bit) it belongs to. */
export interface IndexEntry {
  readonly segments: readonly CompiledSegment[];
  readonly statement: number;
}

/** What a specifier still needs once one of its keys has matched: statement bits, or more tests. */
interface Branch {
  readonly bits: Bits | null;
  readonly node: IndexNode | null;
}

// Shared by the many nodes that have none (most are leaves), until they get their own.
const NO_CODES: number[] = [];
const NO_KIDS: Radix[] = [];
const NO_BITS: Bits[] = [];

/** Adds a child, giving the node its own arrays first. */
function adopt(node: Radix, code: number, child: Radix): void {
  if (node.kids === NO_KIDS) {
    node.codes = [];
    node.kids = [];
  }
  node.codes.push(code);
  node.kids.push(child);
}

/** A radix tree node: the edge into it, and what a key that reaches it matches. */
class Radix {
  /** The edge label in the key's reading order (reversed for suffix trees). */
  label: string;
  /** The edge label as it stands in the key, for `startsWith`/`endsWith`. */
  check = '';
  /** Children by the code of their first character: a few are cheaper to scan than to look up. */
  codes: number[] = NO_CODES;
  kids: Radix[] = NO_KIDS;
  /** The same children, for nodes with many. */
  next: Map<number, Radix> | null = null;
  /** Statements of this node's globs and of every glob on the path above it (merged). */
  bits: Bits | null = null;
  /** What remains to test for globs that end here (other segments, tags). */
  node: IndexNode | null = null;
  /** For `p*s` globs with this node's prefix: their suffixes. */
  sub: Radix | null = null;
  /** Whether `node` or `sub` is set. */
  more = false;
  /**
   * Where globs end inside the edge (it folds a chain of nodes that held only bits), by offset in
   * reading order, with the bits of the path up to there: a key that leaves the edge part way
   * matches the globs of the last of them it passed.
   */
  marks: number[] = NO_CODES;
  markBits: Bits[] = NO_BITS;
  /** Children of the folded nodes off the path, by offset * 0x10000 + the code of their first character. */
  exits: Map<number, Radix> | null = null;
  /** Nodes in the subtree before folding, to choose the path to fold (0: not counted yet). */
  size = 0;

  constructor(label: string) {
    this.label = label;
  }
}

interface SearchEdge {
  readonly test: Matcher;
  readonly branch: Branch;
}

interface TagGroup {
  readonly exact: readonly { readonly pos: number; readonly tag: string }[];
  readonly globs: readonly { readonly pos: number; readonly test: Matcher }[];
  readonly bits: Bits;
}

class IndexNode {
  /** Tag sets tested one by one (few, or with glob tags only). */
  tagScan: TagGroup[] | null = null;
  /** Tag sets filed by position, then by their rarest exact tag. */
  tagIndex: (Map<string, TagGroup[]> | null)[] | null = null;
  /** The segment position the branches below test; -1 when there are none. */
  pos = -1;
  all: Branch | null = null;
  exact: Map<string, Branch> | null = null;
  prefixes: Radix | null = null;
  suffixes: Radix | null = null;
  infixes: Radix | null = null;
  searching: SearchEdge[] | null = null;
}

/** Tag sets at one place tested one by one up to this many; beyond, looked up by tag. */
const TAG_SCAN_LIMIT = 4;

export class ResourceIndex {
  private readonly root: Branch;

  constructor(entries: readonly IndexEntry[], words: number) {
    this.root = new Builder(entries, words).build(entries.map((_, id) => id));
  }

  /** ORs into `hits` the statements with a specifier that matches the resource's segments. */
  collect(segments: readonly ResourceSegment[], hits: Bits): void {
    take(this.root, segments, hits);
  }
}

// --- Building.

/** Builds the tree over entries numbered by their place in the list. */
class Builder {
  /** Per entry, the positions whose key glob is not `*` and is not filed yet, as bits. */
  private readonly todo: Int32Array;
  /** Per entry and position (id * 3 + pos): the key glob with runs of stars as one star, and its shape. */
  private readonly globs: string[] = [];
  private readonly shapes: GlobShape[] = [];
  /** The bits of one statement, shared by every branch that has just that one. */
  private readonly singles = new Map<number, Bits>();

  constructor(
    private readonly entries: readonly IndexEntry[],
    private readonly words: number,
  ) {
    this.todo = new Int32Array(entries.length);
    entries.forEach((entry, id) => {
      entry.segments.forEach((segment, pos) => {
        const glob = segment.glob.replace(/\*+/g, '*');
        const shape = globShape(glob);
        this.globs[id * 3 + pos] = glob;
        this.shapes[id * 3 + pos] = shape;
        if (shape.kind !== 'all') this.todo[id] = this.todo[id]! | (1 << pos);
      });
    });
  }

  private bitsOf(statements: readonly number[]): Bits {
    const first = statements[0]!;
    if (statements.every((s) => s === first)) {
      let bits = this.singles.get(first);
      if (bits === undefined) {
        bits = new Int32Array(this.words);
        bits[first >>> 5] = 1 << (first & 31);
        this.singles.set(first, bits);
      }
      return bits;
    }
    const bits = new Int32Array(this.words);
    for (const s of statements) bits[s >>> 5] = bits[s >>> 5]! | (1 << (s & 31));
    return bits;
  }

  build(ids: readonly number[]): Branch {
    const pending: number[] = [];
    const untagged: number[] = [];
    const tagged: number[] = [];
    for (const id of ids) {
      if (this.todo[id] !== 0) pending.push(id);
      else if (this.entries[id]!.segments.every((s) => s.tags.length === 0))
        untagged.push(this.entries[id]!.statement);
      else tagged.push(id);
    }
    const bits = untagged.length > 0 ? this.bitsOf(untagged) : null;
    if (pending.length === 0 && tagged.length === 0) return { bits, node: null };
    const node = new IndexNode();
    if (tagged.length > 0) this.fileTags(node, tagged);
    if (pending.length > 0) this.fileKeys(node, pending);
    return { bits, node };
  }

  private fileKeys(node: IndexNode, ids: readonly number[]): void {
    const pos = this.choosePosition(ids);
    const bit = 1 << pos;
    node.pos = pos;
    const rest: number[] = [];
    const byGlob = new Map<string, number[]>();
    for (const id of ids) {
      if ((this.todo[id]! & bit) === 0) {
        rest.push(id);
        continue;
      }
      // Each entry is in one group on each level, so its positions left can be kept in place.
      this.todo[id] = this.todo[id]! & ~bit;
      const glob = this.globs[id * 3 + pos]!;
      const group = byGlob.get(glob);
      if (group === undefined) byGlob.set(glob, [id]);
      else group.push(id);
    }
    if (rest.length > 0) node.all = this.build(rest);

    const prefixes: [string, Branch][] = [];
    const suffixes: [string, Branch][] = [];
    const infixes = new Map<string, [string, Branch][]>();
    for (const [glob, group] of byGlob) {
      const branch = this.build(group);
      const shape = this.shapes[group[0]! * 3 + pos]!;
      switch (shape.kind) {
        case 'exact':
          node.exact ??= new Map();
          node.exact.set(shape.text, branch);
          break;
        case 'prefix':
          prefixes.push([shape.prefix, branch]);
          break;
        case 'suffix':
          suffixes.push([shape.suffix, branch]);
          break;
        case 'infix': {
          const list = infixes.get(shape.prefix);
          if (list === undefined) infixes.set(shape.prefix, [[shape.suffix, branch]]);
          else list.push([shape.suffix, branch]);
          break;
        }
        case 'search':
          node.searching ??= [];
          node.searching.push({ test: compileGlob(glob), branch });
          break;
        case 'all':
          throw new Error('unreachable: a "*" key is never left to test');
      }
    }
    if (prefixes.length > 0) node.prefixes = radix(prefixes, false);
    if (suffixes.length > 0) node.suffixes = radix(suffixes, true);
    if (infixes.size > 0) {
      const root = new Radix('');
      for (const [prefix, list] of infixes) insert(root, prefix).sub = radix(list, true);
      finish(root, false, null);
      fold(root, false);
      node.infixes = root;
    }
  }

  /**
   * The position to file by: the one with the most exact keys (a hash lookup settles it), else the
   * one with the fewest distinct globs, which keeps long chains of matching globs on the inner
   * levels, where their statement bits merge down the radix path.
   */
  private choosePosition(ids: readonly number[]): number {
    let best = -1;
    let bestExact = -1;
    let bestDistinct = Number.POSITIVE_INFINITY;
    for (let pos = 0; pos < 3; pos++) {
      const bit = 1 << pos;
      let exact = 0;
      const globs = new Set<string>();
      for (const id of ids) {
        if ((this.todo[id]! & bit) === 0) continue;
        globs.add(this.globs[id * 3 + pos]!);
        if (this.shapes[id * 3 + pos]!.kind === 'exact') exact++;
      }
      if (globs.size === 0) continue;
      if (exact > bestExact || (exact === bestExact && globs.size < bestDistinct)) {
        best = pos;
        bestExact = exact;
        bestDistinct = globs.size;
      }
    }
    return best;
  }

  private fileTags(node: IndexNode, ids: readonly number[]): void {
    // One group per distinct set of tags wanted (per position), its statements merged.
    const groups = new Map<string, { segments: readonly CompiledSegment[]; statements: number[] }>();
    for (const id of ids) {
      const { segments, statement } = this.entries[id]!;
      const key = JSON.stringify(segments.map((s) => [...s.tags].sort()));
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { segments, statements: [statement] });
      else group.statements.push(statement);
    }
    const all: TagGroup[] = [...groups.values()].map(({ segments, statements }) => ({
      exact: segments.flatMap((s, pos) => s.exactTags.map((tag) => ({ pos, tag }))),
      globs: segments.flatMap((s, pos) => s.globTags.map((test) => ({ pos, test }))),
      bits: this.bitsOf(statements),
    }));
    const scan: TagGroup[] = [];
    const filed: TagGroup[] = [];
    for (const group of all)
      (group.exact.length > 0 && all.length > TAG_SCAN_LIMIT ? filed : scan).push(group);
    if (scan.length > 0) node.tagScan = scan;
    if (filed.length === 0) return;
    const keyOf = (pos: number, tag: string) => `${pos}\u0000${tag}`;
    const frequency = new Map<string, number>();
    for (const group of filed)
      for (const { pos, tag } of group.exact)
        frequency.set(keyOf(pos, tag), (frequency.get(keyOf(pos, tag)) ?? 0) + 1);
    const index: (Map<string, TagGroup[]> | null)[] = [null, null, null];
    for (const group of filed) {
      let rarest = group.exact[0]!;
      for (const wanted of group.exact)
        if (frequency.get(keyOf(wanted.pos, wanted.tag))! < frequency.get(keyOf(rarest.pos, rarest.tag))!)
          rarest = wanted;
      const byTag = index[rarest.pos] ?? new Map<string, TagGroup[]>();
      index[rarest.pos] = byTag;
      const list = byTag.get(rarest.tag);
      if (list === undefined) byTag.set(rarest.tag, [group]);
      else list.push(group);
    }
    node.tagIndex = index;
  }
}

function insert(root: Radix, key: string): Radix {
  let node = root;
  let i = 0;
  while (i < key.length) {
    const code = key.charCodeAt(i);
    const at = node.codes.indexOf(code);
    if (at === -1) {
      const child = new Radix(key.slice(i));
      adopt(node, code, child);
      return child;
    }
    let child = node.kids[at]!;
    const label = child.label;
    let j = 1;
    while (j < label.length && i + j < key.length && label.charCodeAt(j) === key.charCodeAt(i + j)) j++;
    if (j < label.length) {
      const middle = new Radix(label.slice(0, j));
      child.label = label.slice(j);
      adopt(middle, child.label.charCodeAt(0), child);
      node.kids[at] = middle;
      child = middle;
    }
    node = child;
    i += j;
  }
  return node;
}

/** Reversed by UTF-16 unit, as a walk from the end reads a key (`[...text]` would keep pairs). */
const reverse = (text: string) => text.split('').reverse().join('');

/** A radix tree of literals (suffixes are filed reversed), each with what its glob still tests. */
function radix(entries: readonly [string, Branch][], backwards: boolean): Radix {
  const root = new Radix('');
  for (const [literal, branch] of entries) {
    const end = insert(root, backwards ? reverse(literal) : literal);
    end.bits = branch.bits;
    end.node = branch.node;
  }
  finish(root, backwards, null);
  fold(root, backwards);
  return root;
}

/** Sets each node's `check` and lookup map, and merges statement bits down every path. */
function finish(node: Radix, backwards: boolean, above: Bits | null): void {
  node.check = backwards && node.label.length > 1 ? reverse(node.label) : node.label;
  node.more = node.node !== null || node.sub !== null;
  if (node.kids.length > 8) node.next = new Map(node.codes.map((code, i) => [code, node.kids[i]!]));
  if (above !== null) {
    if (node.bits === null) node.bits = above;
    else {
      // A copy: the node's own bits may be shared with other branches.
      const merged = Int32Array.from(node.bits);
      orInto(merged, above);
      node.bits = merged;
    }
  }
  for (const child of node.kids) finish(child, backwards, node.bits);
}

/**
 * Folds each node's heaviest path of descendants that hold only statement bits into one edge, so
 * that a key follows it with one comparison rather than one step per node: globs `a*`, `aa*`, …
 * all matching one key, or `*ba`, `*baa`, … all nearly matching, make paths as long as the policy
 * allows. The other children along the path stay as exits by offset; a key leaves the path at
 * most once, into a subtree no more than half as big, so a walk takes O(log n) edges.
 */
function fold(node: Radix, backwards: boolean): void {
  for (const child of node.kids) foldEdge(child, backwards);
}

function foldEdge(child: Radix, backwards: boolean): void {
  while (child.kids.length > 0 && !child.more) {
    const heaviest = child.kids.reduce((a, b) => (size(b) > size(a) ? b : a));
    const at = child.label.length;
    if (child.marks === NO_CODES) {
      child.marks = [];
      child.markBits = [];
    }
    if (child.bits !== null) {
      child.marks.push(at);
      child.markBits.push(child.bits);
    }
    const exits = child.exits ?? new Map<number, Radix>();
    child.kids.forEach((kid, i) => {
      if (kid !== heaviest) exits.set(at * 0x10000 + child.codes[i]!, kid);
    });
    for (const [key, kid] of heaviest.exits ?? []) exits.set(key + at * 0x10000, kid);
    if (exits.size > 0) child.exits = exits;
    for (const mark of heaviest.marks) child.marks.push(at + mark);
    child.markBits.push(...heaviest.markBits);
    child.label += heaviest.label;
    child.codes = heaviest.codes;
    child.kids = heaviest.kids;
    child.next = heaviest.next;
    child.bits = heaviest.bits;
    child.node = heaviest.node;
    child.sub = heaviest.sub;
    child.more = heaviest.more;
  }
  // One flat string (`+=` made a rope), which the walks read a character at a time.
  child.label = child.label.split('').join('');
  child.check = backwards ? reverse(child.label) : child.label;
  fold(child, backwards);
  for (const kid of child.exits?.values() ?? []) foldEdge(kid, backwards);
}

/** Nodes in the subtree (counted once, while building). */
function size(node: Radix): number {
  if (node.size === 0) node.size = 1 + node.kids.reduce((sum, kid) => sum + size(kid), 0);
  return node.size;
}

/** The bits of the last glob that ends inside `edge` within its first `matched` characters. */
function bitsWithin(edge: Radix, matched: number): Bits | null {
  const marks = edge.marks;
  let low = 0;
  let high = marks.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (marks[mid]! <= matched) low = mid + 1;
    else high = mid;
  }
  return low === 0 ? null : edge.markBits[low - 1]!;
}

// --- Querying.

function take(branch: Branch, segments: readonly ResourceSegment[], hits: Bits): void {
  if (branch.bits !== null) orInto(hits, branch.bits);
  if (branch.node !== null) visit(branch.node, segments, hits);
}

function visit(node: IndexNode, segments: readonly ResourceSegment[], hits: Bits): void {
  if (node.tagScan !== null) for (const group of node.tagScan) collectTags(group, segments, hits);
  if (node.tagIndex !== null) lookUpTags(node.tagIndex, segments, hits);
  const pos = node.pos;
  if (pos < 0) return;
  const key = segments[pos]!.key;
  if (node.all !== null) take(node.all, segments, hits);
  if (node.exact !== null) {
    const branch = node.exact.get(key);
    if (branch !== undefined) take(branch, segments, hits);
  }
  if (node.prefixes !== null) walkForwards(node.prefixes, key, segments, hits);
  if (node.suffixes !== null) walkBackwards(node.suffixes, key, key.length, segments, hits);
  if (node.infixes !== null) walkForwards(node.infixes, key, segments, hits);
  if (node.searching !== null)
    for (const edge of node.searching) if (edge.test(key)) take(edge.branch, segments, hits);
}

function childOf(node: Radix, code: number): Radix | null {
  if (node.next !== null) return node.next.get(code) ?? null;
  const codes = node.codes;
  for (let i = 0; i < codes.length; i++) if (codes[i] === code) return node.kids[i]!;
  return null;
}

/** Follows the key from its start as far as the tree goes. */
function walkForwards(root: Radix, key: string, segments: readonly ResourceSegment[], hits: Bits): void {
  let node = root;
  let depth = 0;
  let bits = root.bits;
  walk: for (;;) {
    if (node.more) {
      if (node.node !== null) visit(node.node, segments, hits);
      // `p*s` needs the suffix to fit after the prefix: `a*a` does not match "a".
      if (node.sub !== null) walkBackwards(node.sub, key, key.length - depth, segments, hits);
    }
    let edge = childOf(node, key.charCodeAt(depth));
    while (edge !== null) {
      const check = edge.check;
      if (check.length === 1 || startsAt(key, check, depth)) {
        depth += check.length;
        node = edge;
        bits = node.bits;
        continue walk;
      }
      let matched = 1;
      while (matched < check.length && key.charCodeAt(depth + matched) === check.charCodeAt(matched))
        matched++;
      bits = bitsWithin(edge, matched) ?? bits;
      depth += matched;
      edge = edge.exits?.get(matched * 0x10000 + key.charCodeAt(depth)) ?? null;
    }
    break;
  }
  if (bits !== null) orInto(hits, bits);
}

/** Follows the key from its end, as `walkForwards` from its start, reading at most `limit` characters. */
function walkBackwards(
  root: Radix,
  key: string,
  limit: number,
  segments: readonly ResourceSegment[],
  hits: Bits,
): void {
  let node = root;
  let depth = 0;
  let bits = root.bits;
  const end = key.length;
  walk: for (;;) {
    if (node.node !== null) visit(node.node, segments, hits);
    if (depth >= limit) break;
    let edge = childOf(node, key.charCodeAt(end - 1 - depth));
    while (edge !== null) {
      const label = edge.label;
      if (depth + label.length <= limit && (label.length === 1 || key.endsWith(edge.check, end - depth))) {
        depth += label.length;
        node = edge;
        bits = node.bits;
        continue walk;
      }
      const most = Math.min(label.length, limit - depth);
      let matched = 1;
      while (matched < most && key.charCodeAt(end - 1 - depth - matched) === label.charCodeAt(matched))
        matched++;
      bits = bitsWithin(edge, matched) ?? bits;
      depth += matched;
      edge =
        depth < limit ? (edge.exits?.get(matched * 0x10000 + key.charCodeAt(end - 1 - depth)) ?? null) : null;
    }
    break;
  }
  if (bits !== null) orInto(hits, bits);
}

function passes(group: TagGroup, segments: readonly ResourceSegment[]): boolean {
  for (const { pos, tag } of group.exact) if (!hasTag(segments[pos]!.tags, tag)) return false;
  for (const { pos, test } of group.globs) if (!segments[pos]!.tags.some(test)) return false;
  return true;
}

function collectTags(group: TagGroup, segments: readonly ResourceSegment[], hits: Bits): void {
  if (passes(group, segments)) orInto(hits, group.bits);
}

/** Whichever is fewer: the tags filed here, each looked up on the resource, or the reverse. */
function lookUpTags(
  index: readonly (Map<string, TagGroup[]> | null)[],
  segments: readonly ResourceSegment[],
  hits: Bits,
): void {
  for (let pos = 0; pos < index.length; pos++) {
    const byTag = index[pos];
    if (byTag === null || byTag === undefined) continue;
    const tags = segments[pos]!.tags;
    if (byTag.size <= tags.length) {
      for (const [tag, groups] of byTag)
        if (hasTag(tags, tag)) for (const group of groups) collectTags(group, segments, hits);
    } else {
      for (const tag of tags) {
        const groups = byTag.get(tag);
        if (groups !== undefined) for (const group of groups) collectTags(group, segments, hits);
      }
    }
  }
}
