import {
  compileGlob,
  compileKeySearch,
  type GlobShape,
  globShape,
  type KeySearch,
  keyCodes,
  startsAt,
} from './glob.js';
import { type CompiledSegment, hasTag, type ResourceSegment } from './resource.js';

/**
 * An index of many resource specifiers of one shape, each filed under the statement it belongs to,
 * that answers "which statements have a specifier matching this resource" without testing the
 * specifiers one by one: a decision costs a few walks along the resource's keys and a few passes
 * over sets of specifiers (a word per 32), however many specifiers there are and however many of
 * their globs match (DESIGN.md decision 7; bench/policy.ts, adversarial (b)).
 *
 * For each segment position, a GlobTable finds the specifiers whose key glob matches the key
 * there: exact keys in a hash map, one-star globs in radix trees (`p*` by prefix, `*s` by suffix
 * read backwards, `p*s` both ways), `*` as a set that always matches, and the few globs that
 * search (text between two stars, capped by the schema) tested one by one. Each radix node holds
 * the set of its glob's specifiers merged with those of every glob on the path above it, so a walk
 * along a key ORs one set at the end rather than one per glob on the way. The specifiers that
 * match the resource are the intersection of the positions' sets, less those whose tags the
 * resource lacks (TagGlobs: each tag glob tested once per decision, when a specifier needs it).
 *
 * Why not a tree nested by position (the globs of one segment, and under each the globs of the
 * next), as this index was first: a decision visits one subtree per glob that matches, and globs
 * that all match one key can be hundreds (`a*`, `aa*`, …, and `a*a`, `a*aa`, `aa*a`, …): 200 such
 * specifiers leading to a second segment cost 4.7 µs a decision, 382 infix ones 8.8 µs; here
 * 0.7 and 0.4 µs.
 */

export type Bits = Int32Array;

function orInto(target: Bits, source: Bits): void {
  for (let w = 0; w < source.length; w++) target[w] = target[w]! | source[w]!;
}

/**
 * Sets of one table, cut from shared buffers: V8 gives a typed array of more than 64 bytes a
 * buffer of its own outside the heap, which made building a table of 2,622 globs take 16 ms.
 */
class BitsPool {
  private buffer = new Int32Array(0);
  private used = 0;

  constructor(private readonly words: number) {}

  /** A set holding the given numbers. */
  of(numbers: readonly number[]): Bits {
    const bits = this.empty();
    for (const n of numbers) bits[n >>> 5] = bits[n >>> 5]! | (1 << (n & 31));
    return bits;
  }

  copy(bits: Bits): Bits {
    const copy = this.empty();
    copy.set(bits);
    return copy;
  }

  empty(): Bits {
    if (this.used + this.words > this.buffer.length) {
      this.buffer = new Int32Array(Math.max(this.words, 64 * this.words, 1024));
      this.used = 0;
    }
    const bits = this.buffer.subarray(this.used, this.used + this.words);
    this.used += this.words;
    return bits;
  }
}

/** The lowest number at or above `from` in `bits`, or -1. */
function firstFrom(bits: Bits, from: number): number {
  let w = from >>> 5;
  if (w >= bits.length) return -1;
  let word = bits[w]! & (-1 << (from & 31));
  while (word === 0) {
    if (++w === bits.length) return -1;
    word = bits[w]!;
  }
  return (w << 5) + 31 - Math.clz32(word & -word);
}

/** A specifier as the index files it: its segments, and the statement (bit) it belongs to. */
export interface IndexEntry {
  readonly segments: readonly CompiledSegment[];
  readonly statement: number;
}

/** What a tagged specifier requires: exact tags by position, and tag globs by their number there. */
interface TagNeeds {
  readonly spec: number;
  readonly exact: readonly { readonly pos: number; readonly tag: string }[];
  readonly globs: readonly { readonly pos: number; readonly id: number }[];
}

export class ResourceIndex {
  private readonly positions: readonly GlobTable[];
  /** The statement of each specifier; the plan numbers a statement's specifiers consecutively. */
  private readonly statementOf: Int32Array;
  /** For each specifier, the first one of the next statement. */
  private readonly nextStatement: Int32Array;
  private readonly tagged: readonly TagNeeds[];
  /** Per position, the distinct tag globs wanted there, by number. */
  private readonly tagGlobs: readonly TagGlobs[];
  /** Positions whose tag globs have been looked at in the current decision, as bits. */
  private looked = 0;
  private readonly matched: Bits;
  private readonly scratch: Bits;

  constructor(entries: readonly IndexEntry[]) {
    const count = entries.length;
    const words = (count + 31) >>> 5;
    this.statementOf = Int32Array.from(entries, (entry) => entry.statement);
    this.nextStatement = new Int32Array(count);
    for (let spec = count - 1; spec >= 0; spec--)
      this.nextStatement[spec] =
        spec + 1 < count && entries[spec + 1]!.statement === entries[spec]!.statement
          ? this.nextStatement[spec + 1]!
          : spec + 1;
    const positions = entries[0]?.segments.length ?? 0;
    this.positions = Array.from(
      { length: positions },
      (_, pos) =>
        new GlobTable(
          entries.map((entry) => entry.segments[pos]!.glob),
          words,
        ),
    );
    const tagGlobIds = Array.from({ length: positions }, () => new Map<string, number>());
    const idOf = (pos: number, glob: string) => {
      const ids = tagGlobIds[pos]!;
      const normal = glob.replace(/\*+/g, '*');
      let id = ids.get(normal);
      if (id === undefined) {
        id = ids.size;
        ids.set(normal, id);
      }
      return id;
    };
    const tagged: TagNeeds[] = [];
    entries.forEach(({ segments }, spec) => {
      if (segments.every((segment) => segment.tags.length === 0)) return;
      tagged.push({
        spec,
        exact: segments.flatMap((segment, pos) => segment.exactTags.map((tag) => ({ pos, tag }))),
        globs: segments.flatMap((segment, pos) =>
          segment.tags.filter((tag) => tag.includes('*')).map((tag) => ({ pos, id: idOf(pos, tag) })),
        ),
      });
    });
    this.tagged = tagged;
    this.tagGlobs = tagGlobIds.map((ids) => new TagGlobs([...ids.keys()]));
    this.matched = new Int32Array(words);
    this.scratch = new Int32Array(words);
  }

  /** ORs into `hits` the statements with a specifier that matches the resource's segments. */
  collect(segments: readonly ResourceSegment[], hits: Bits): void {
    const matched = this.matched;
    const words = matched.length;
    for (let pos = 0; pos < this.positions.length; pos++) {
      const into = pos === 0 ? matched : this.scratch;
      into.fill(0);
      this.positions[pos]!.addMatches(segments[pos]!.key, into);
      if (pos === 0) continue;
      let any = 0;
      for (let w = 0; w < words; w++) any |= matched[w] = matched[w]! & into[w]!;
      if (any === 0) return;
    }
    this.looked = 0;
    for (const needs of this.tagged) {
      const word = needs.spec >>> 5;
      const bit = 1 << (needs.spec & 31);
      if ((matched[word]! & bit) !== 0 && !this.hasTags(needs, segments))
        matched[word] = matched[word]! & ~bit;
    }
    // Each statement once: from its first specifier that matched, on to the next statement's.
    for (
      let spec = firstFrom(matched, 0);
      spec !== -1;
      spec = firstFrom(matched, this.nextStatement[spec]!)
    ) {
      const statement = this.statementOf[spec]!;
      hits[statement >>> 5] = hits[statement >>> 5]! | (1 << (statement & 31));
    }
  }

  private hasTags(needs: TagNeeds, segments: readonly ResourceSegment[]): boolean {
    for (const { pos, tag } of needs.exact) if (!hasTag(segments[pos]!.tags, tag)) return false;
    for (const { pos, id } of needs.globs) {
      const globs = this.tagGlobs[pos]!;
      if ((this.looked & (1 << pos)) === 0) {
        this.looked |= 1 << pos;
        globs.start(segments[pos]!.tags);
      }
      if (!globs.found(id, segments[pos]!.tags)) return false;
    }
    return true;
  }
}

/**
 * Whether some tag matches a tag glob, in one loop over the tags with the glob's first and last
 * literal characters compared inline before any call (a call to compare strings costs 10-20 ns,
 * and a segment has up to 50 tags).
 */
function anyTagMatches(glob: string): (tags: readonly string[]) => boolean {
  const shape = globShape(glob.replace(/\*+/g, '*'));
  switch (shape.kind) {
    case 'all':
      return (tags) => tags.length > 0;
    case 'prefix': {
      const { prefix } = shape;
      const n = prefix.length;
      const first = prefix.charCodeAt(0);
      const last = prefix.charCodeAt(n - 1);
      return (tags) => {
        for (let i = 0; i < tags.length; i++) {
          const tag = tags[i]!;
          if (tag.charCodeAt(0) === first && tag.charCodeAt(n - 1) === last && startsAt(tag, prefix, 0))
            return true;
        }
        return false;
      };
    }
    case 'suffix': {
      const { suffix } = shape;
      const n = suffix.length;
      const first = suffix.charCodeAt(0);
      const last = suffix.charCodeAt(n - 1);
      return (tags) => {
        for (let i = 0; i < tags.length; i++) {
          const tag = tags[i]!;
          const at = tag.length - n;
          if (tag.charCodeAt(tag.length - 1) === last && tag.charCodeAt(at) === first && tag.endsWith(suffix))
            return true;
        }
        return false;
      };
    }
    default: {
      const matches = compileGlob(glob);
      return (tags) => tags.some(matches);
    }
  }
}

/** Distinct tag globs wanted at one position, by number, above which a table finds them all at once. */
const TAG_TABLE_FROM = 16;

/**
 * The tag globs wanted at one segment position, and which of them some tag of the segment matches,
 * found once per decision and glob, when a specifier needs it. A few are each tested against the
 * tags (50 at most on a resource that can exist): a test costs 5-15 ns where a walk of a table
 * costs 20-50, when the tags share their first characters with the globs. Many (only stored policies
 * have more than MAX_SEARCHING_GLOBS) are found by a walk of their table per tag.
 */
class TagGlobs {
  private readonly matchers: readonly ((tags: readonly string[]) => boolean)[];
  private readonly table: GlobTable | null;
  private readonly tested: Bits;
  private readonly matched: Bits;

  constructor(globs: readonly string[]) {
    const words = (globs.length + 31) >>> 5;
    this.matchers = globs.map(anyTagMatches);
    this.table = globs.length >= TAG_TABLE_FROM ? new GlobTable(globs, words) : null;
    this.tested = new Int32Array(words);
    this.matched = new Int32Array(words);
  }

  /** A new decision, on a segment with these tags. */
  start(tags: readonly string[]): void {
    if (this.table === null) {
      this.tested.fill(0);
      this.matched.fill(0);
      return;
    }
    this.tested.fill(-1);
    this.matched.fill(0);
    for (const tag of tags) this.table.addMatches(tag, this.matched);
  }

  /** Whether a tag matches glob `id`. */
  found(id: number, tags: readonly string[]): boolean {
    const word = id >>> 5;
    const bit = 1 << (id & 31);
    if ((this.tested[word]! & bit) === 0) {
      this.tested[word] = this.tested[word]! | bit;
      if (this.matchers[id]!(tags)) this.matched[word] = this.matched[word]! | bit;
    }
    return (this.matched[word]! & bit) !== 0;
  }
}

/**
 * Globs (the key globs of one segment position, or distinct tag globs), each with the numbers that
 * have it, filed by shape, so that the numbers whose glob matches a text are found without testing
 * the globs one by one. `p*s` globs are found as the ones whose prefix matches (a walk forwards)
 * and whose suffix matches (a walk backwards), less those whose prefix and suffix together are
 * longer than the text (`a*a` does not match "a").
 */
class GlobTable {
  private any: Bits | null = null;
  private exact: Map<string, Bits> | null = null;
  private prefixes: Radix | null = null;
  private suffixes: Radix | null = null;
  private infixPrefixes: Radix | null = null;
  private infixSuffixes: Radix | null = null;
  /** By text length n, the `p*s` numbers whose prefix and suffix take more than n characters. */
  private readonly tooLong: Bits[] = [];
  private searching: { readonly test: KeySearch; readonly bits: Bits }[] | null = null;
  /**
   * The first characters of the prefixes (`p*`, `p*s`) and the last ones of the suffixes (`*s`,
   * `p*s`), as bits by code (outside ASCII: always walk), so that a text that starts or ends with
   * none of them skips the walk: a segment's tags are many, and most match no tag glob.
   */
  private readonly firsts = new Int32Array(4);
  private readonly lasts = new Int32Array(4);

  /** `globs[n]` is the glob of number n. */
  constructor(globs: readonly string[], words: number) {
    const byGlob = new Map<string, number[]>();
    globs.forEach((glob, n) => {
      const normal = glob.replace(/\*+/g, '*');
      const list = byGlob.get(normal);
      if (list === undefined) byGlob.set(normal, [n]);
      else list.push(n);
    });
    const pool = new BitsPool(words);
    const bitsOfAll = (map: ReadonlyMap<string, number[]>) =>
      [...map].map(([text, numbers]): [string, Bits] => [text, pool.of(numbers)]);
    const add = <K>(map: Map<K, number[]>, key: K, numbers: readonly number[]) => {
      const list = map.get(key);
      if (list === undefined) map.set(key, [...numbers]);
      else for (const n of numbers) list.push(n);
    };
    const any: number[] = [];
    const prefixes = new Map<string, number[]>();
    const suffixes = new Map<string, number[]>();
    // `p*s` globs by prefix and by suffix, which many may share, and by the length of both.
    const infixPrefixes = new Map<string, number[]>();
    const infixSuffixes = new Map<string, number[]>();
    const infixLengths = new Map<number, number[]>();
    for (const [glob, numbers] of byGlob) {
      const shape: GlobShape = globShape(glob);
      switch (shape.kind) {
        case 'all':
          for (const n of numbers) any.push(n);
          break;
        case 'exact':
          this.exact ??= new Map();
          this.exact.set(shape.text, pool.of(numbers));
          break;
        case 'prefix':
          add(prefixes, shape.prefix, numbers);
          break;
        case 'suffix':
          add(suffixes, shape.suffix, numbers);
          break;
        case 'infix': {
          add(infixPrefixes, shape.prefix, numbers);
          add(infixSuffixes, shape.suffix, numbers);
          const length = shape.prefix.length + shape.suffix.length;
          add(infixLengths, length, numbers);
          break;
        }
        case 'search':
          this.searching ??= [];
          this.searching.push({ test: compileKeySearch(glob), bits: pool.of(numbers) });
          break;
      }
    }
    const mark = (bits: Int32Array, code: number) => {
      if (code < 128) bits[code >>> 5] = bits[code >>> 5]! | (1 << (code & 31));
    };
    for (const text of [...prefixes.keys(), ...infixPrefixes.keys()]) mark(this.firsts, text.charCodeAt(0));
    for (const text of [...suffixes.keys(), ...infixSuffixes.keys()])
      mark(this.lasts, text.charCodeAt(text.length - 1));
    if (any.length > 0) this.any = pool.of(any);
    if (prefixes.size > 0) this.prefixes = radix(bitsOfAll(prefixes), false, pool);
    if (suffixes.size > 0) this.suffixes = radix(bitsOfAll(suffixes), true, pool);
    if (infixPrefixes.size > 0) {
      this.infixPrefixes = radix(bitsOfAll(infixPrefixes), false, pool);
      this.infixSuffixes = radix(bitsOfAll(infixSuffixes), true, pool);
      // tooLong[n]: the numbers of every length above n, built from the longest down.
      let above: Bits = pool.empty();
      for (let n = Math.max(...infixLengths.keys()) - 1; n >= 0; n--) {
        const at = infixLengths.get(n + 1);
        if (at !== undefined) {
          above = pool.copy(above);
          orInto(above, pool.of(at));
        }
        this.tooLong[n] = above;
      }
    }
  }

  /** ORs into `into` the numbers whose glob matches `text`. */
  addMatches(text: string, into: Bits): void {
    if (this.any !== null) orInto(into, this.any);
    if (this.exact !== null) {
      const bits = this.exact.get(text);
      if (bits !== undefined) orInto(into, bits);
    }
    const first = text.charCodeAt(0);
    const last = text.charCodeAt(text.length - 1);
    const fromStart = !(first < 128) || (this.firsts[first >>> 5]! & (1 << (first & 31))) !== 0;
    const fromEnd = !(last < 128) || (this.lasts[last >>> 5]! & (1 << (last & 31))) !== 0;
    if (fromStart && this.prefixes !== null) {
      const bits = walkForwards(this.prefixes, text);
      if (bits !== null) orInto(into, bits);
    }
    if (fromEnd && this.suffixes !== null) {
      const bits = walkBackwards(this.suffixes, text);
      if (bits !== null) orInto(into, bits);
    }
    const prefixed =
      !fromStart || this.infixPrefixes === null ? null : walkForwards(this.infixPrefixes, text);
    const suffixed = prefixed === null || !fromEnd ? null : walkBackwards(this.infixSuffixes!, text);
    if (prefixed !== null && suffixed !== null) {
      const tooLong = this.tooLong[text.length];
      if (tooLong === undefined)
        for (let w = 0; w < into.length; w++) into[w] = into[w]! | (prefixed[w]! & suffixed[w]!);
      else
        for (let w = 0; w < into.length; w++)
          into[w] = into[w]! | (prefixed[w]! & suffixed[w]! & ~tooLong[w]!);
    }
    if (this.searching !== null) {
      const codes = codesOf(text);
      for (const { test, bits } of this.searching) if (test(text, codes)) orInto(into, bits);
    }
  }
}

/** A text's characters for the searching globs of one table (keyCodes), in one buffer grown on need. */
let textCodes = new Uint8Array(128);

function codesOf(text: string): Uint8Array {
  if (text.length > textCodes.length) textCodes = new Uint8Array(text.length);
  keyCodes(text, textCodes);
  return textCodes;
}

// --- Radix trees.

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

/** A radix tree node: the edge into it, and what a text that reaches it matches. */
class Radix {
  /** The edge label in the text's reading order (reversed for suffix trees). */
  label: string;
  /** The edge label as it stands in the text, for `startsWith`/`endsWith`. */
  check = '';
  /** Children by the code of their first character: a few are cheaper to scan than to look up. */
  codes: number[] = NO_CODES;
  kids: Radix[] = NO_KIDS;
  /** The same children, for nodes with many. */
  next: Map<number, Radix> | null = null;
  /** The numbers of this node's glob and of every glob on the path above it (merged). */
  bits: Bits | null = null;
  /**
   * Where globs end inside the edge (it folds a chain of nodes), by offset in reading order, with
   * the bits of the path up to there: a text that leaves the edge part way matches the globs of the
   * last of them it passed.
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

/** Reversed by UTF-16 unit, as a walk from the end reads a text (`[...text]` would keep pairs). */
const reverse = (text: string) => text.split('').reverse().join('');

/** A radix tree of distinct literals (suffixes are filed reversed), each with its numbers. */
function radix(entries: readonly [string, Bits][], backwards: boolean, pool: BitsPool): Radix {
  const root = new Radix('');
  for (const [literal, bits] of entries) insert(root, backwards ? reverse(literal) : literal).bits = bits;
  finish(root, backwards, null, pool);
  fold(root, backwards);
  return root;
}

/** Sets each node's `check` and lookup map, and merges the numbers down every path. */
function finish(node: Radix, backwards: boolean, above: Bits | null, pool: BitsPool): void {
  node.check = backwards && node.label.length > 1 ? reverse(node.label) : node.label;
  if (node.kids.length > 8) node.next = new Map(node.codes.map((code, i) => [code, node.kids[i]!]));
  if (above !== null) {
    if (node.bits === null) node.bits = above;
    else {
      // A copy: the node's own bits may be shared.
      const merged = pool.copy(node.bits);
      orInto(merged, above);
      node.bits = merged;
    }
  }
  for (const child of node.kids) finish(child, backwards, node.bits, pool);
}

/**
 * Folds each node's heaviest path of descendants into one edge, so that a text follows it with one
 * comparison rather than one step per node: globs `a*`, `aa*`, … all matching one key, or `*ba`,
 * `*baa`, … all nearly matching, make paths as long as the policy allows. The other children along
 * the path stay as exits by offset; a text leaves the path at most once, into a subtree no more
 * than half as big, so a walk takes O(log n) edges.
 */
function fold(node: Radix, backwards: boolean): void {
  for (const child of node.kids) foldEdge(child, backwards);
}

function foldEdge(child: Radix, backwards: boolean): void {
  while (child.kids.length > 0) {
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

function childOf(node: Radix, code: number): Radix | null {
  if (node.next !== null) return node.next.get(code) ?? null;
  const codes = node.codes;
  for (let i = 0; i < codes.length; i++) if (codes[i] === code) return node.kids[i]!;
  return null;
}

/**
 * Follows the text from its start as far as the tree goes: the numbers of every glob it matches
 * (merged down the path), or null.
 */
function walkForwards(root: Radix, text: string): Bits | null {
  let node = root;
  let depth = 0;
  let bits = root.bits;
  walk: for (;;) {
    let edge = childOf(node, text.charCodeAt(depth));
    while (edge !== null) {
      const check = edge.check;
      // The second character first: most texts that leave an edge leave it there, without a call.
      if (
        check.length === 1 ||
        (text.charCodeAt(depth + 1) === check.charCodeAt(1) && startsAt(text, check, depth))
      ) {
        depth += check.length;
        node = edge;
        bits = node.bits;
        continue walk;
      }
      let matched = 1;
      while (matched < check.length && text.charCodeAt(depth + matched) === check.charCodeAt(matched))
        matched++;
      bits = bitsWithin(edge, matched) ?? bits;
      depth += matched;
      edge = edge.exits?.get(matched * 0x10000 + text.charCodeAt(depth)) ?? null;
    }
    break;
  }
  return bits;
}

/** Follows the text from its end, as `walkForwards` from its start. */
function walkBackwards(root: Radix, text: string): Bits | null {
  let node = root;
  let depth = 0;
  let bits = root.bits;
  const end = text.length;
  walk: for (;;) {
    if (depth >= end) break;
    let edge = childOf(node, text.charCodeAt(end - 1 - depth));
    while (edge !== null) {
      const label = edge.label;
      if (
        depth + label.length <= end &&
        (label.length === 1 ||
          (text.charCodeAt(end - 2 - depth) === label.charCodeAt(1) &&
            text.endsWith(edge.check, end - depth)))
      ) {
        depth += label.length;
        node = edge;
        bits = node.bits;
        continue walk;
      }
      const most = Math.min(label.length, end - depth);
      let matched = 1;
      while (matched < most && text.charCodeAt(end - 1 - depth - matched) === label.charCodeAt(matched))
        matched++;
      bits = bitsWithin(edge, matched) ?? bits;
      depth += matched;
      edge =
        depth < end ? (edge.exits?.get(matched * 0x10000 + text.charCodeAt(end - 1 - depth)) ?? null) : null;
    }
    break;
  }
  return bits;
}
