/**
 * Human renderings: aligned columns and `label  value` lists. A few lines of padding rather than a
 * table library: the output is plain text for terminals and `grep`, no borders or colours.
 */

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function details(pairs: readonly (readonly [string, string | undefined])[]): string {
  const shown = pairs.filter((p): p is readonly [string, string] => p[1] !== undefined);
  const width = Math.max(...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

/** Epoch ms as `2025-06-01 14:03 UTC`; absent or 0 as `never`. */
export function time(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || ms === 0) return 'never';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface ScopeFields {
  readonly role?: string;
  readonly customRoleIds?: readonly string[];
  readonly inlineRole?: readonly unknown[];
}

/** A token's scope in a few words: `reader`, `custom: ops, audit`, `inline (2 statements)`. */
export function scope(token: ScopeFields): string {
  if (token.role !== undefined) return token.role;
  if (token.customRoleIds !== undefined && token.customRoleIds.length > 0)
    return `custom: ${token.customRoleIds.join(', ')}`;
  const n = token.inlineRole?.length ?? 0;
  return `inline (${n} statement${n === 1 ? '' : 's'})`;
}

/** A page's footer when it is not everything: `Showing 25 of 140 (--offset 25 for more).` */
export function pageNote(shown: number, offset: number, total: number): string {
  return offset + shown < total
    ? `\nShowing ${offset + 1}-${offset + shown} of ${total} (--offset ${offset + shown} for more).`
    : '';
}
