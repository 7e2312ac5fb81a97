/**
 * Values written into the audit log's Markdown (an entry's `description` and `title`, as
 * LaunchDarkly's are Markdown). Names and descriptions are chosen by whoever makes the change, so a
 * value must read as one value and as nothing else: a token renamed to
 * `ci\n* role: reader → owner` must not add a line to the description, and a role named
 * `[docs](https://evil.example)` must not become a link. Written here because it is two rules,
 * not a Markdown library's job (that would render, not quote).
 *
 * Plain text (letters, digits, spaces and the punctuation of names, e-mails, addresses and dates)
 * is written as it is. Anything else is a code span, in which Markdown and HTML mean nothing, of
 * its JSON text, in which every line break is `\n`; characters that are invisible or reorder text
 * (controls, format characters such as U+202E, line and paragraph separators) are written as
 * `\uXXXX`.
 */

const PLAIN = /^[\p{L}\p{N} .,:/@+=_'()-]*$/u;
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

const escapeInvisible = (json: string) =>
  json.replace(INVISIBLE, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);

/** A code span that holds `text` whatever backticks it contains (its fence is longer than any run). */
function codeSpan(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A string as one value in Markdown: as it is when plain, else a code span of its JSON string. */
export function markdownText(value: string): string {
  return PLAIN.test(value) ? value : codeSpan(escapeInvisible(JSON.stringify(value)));
}

/** JSON text (an array, an object) as one value in Markdown: as it is when plain, else a code span. */
export function markdownJson(json: string): string {
  return PLAIN.test(json) ? json : codeSpan(escapeInvisible(json));
}
