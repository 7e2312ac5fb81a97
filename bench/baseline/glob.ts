/**
 * Globs of the policy language: `*` matches any run of characters (including none) within one key,
 * action or tag. There is no other metacharacter.
 *
 * Written here rather than taken from a library (picomatch, minimatch) because those are path globs
 * with `/`, `**`, braces and classes, which the policy language does not have, and because the
 * decision hot path wants the cheapest matcher for each shape: a glob is compiled once into an
 * equality test, a prefix/suffix test, or (only for several stars) an anchored RegExp.
 */
export type Matcher = (value: string) => boolean;

const matchAll: Matcher = () => true;

export function compileGlob(glob: string): Matcher {
  if (glob === '*') return matchAll;
  const firstStar = glob.indexOf('*');
  if (firstStar === -1) return (value) => value === glob;
  const lastStar = glob.lastIndexOf('*');
  if (firstStar === lastStar) {
    const prefix = glob.slice(0, firstStar);
    const suffix = glob.slice(firstStar + 1);
    const minLength = prefix.length + suffix.length;
    if (suffix === '') return (value) => value.startsWith(prefix);
    if (prefix === '') return (value) => value.endsWith(suffix);
    return (value) => value.length >= minLength && value.startsWith(prefix) && value.endsWith(suffix);
  }
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 's');
  return (value) => regex.test(value);
}

/** Whether a glob matches, for one-off checks outside the hot path. */
export function globMatches(glob: string, value: string): boolean {
  return compileGlob(glob)(value);
}
