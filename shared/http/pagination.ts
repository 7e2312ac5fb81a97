import { z } from 'zod';

export const paginationSchema = z.object({
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(25),
  offset: z.coerce.number().int().min(0, 'must not be negative').default(0),
});

interface Link {
  readonly href: string;
  readonly type: 'application/json';
}

export interface Page<T> {
  readonly items: T[];
  readonly totalCount: number;
  readonly _links: Record<string, Link>;
}

/** LaunchDarkly-style offset pagination: `{items, totalCount, _links: {self, first, prev, next, last}}`. */
export function paginate<T>(
  all: readonly T[],
  { limit, offset }: { limit: number; offset: number },
  path: string,
  query: Record<string, string> = {},
): Page<T> {
  const href = (at: number) => {
    const params = new URLSearchParams({ ...query, limit: String(limit), offset: String(at) });
    return { href: `${path}?${params}`, type: 'application/json' as const };
  };
  const lastOffset = all.length === 0 ? 0 : Math.floor((all.length - 1) / limit) * limit;
  const links: Record<string, Link> = { self: href(offset), first: href(0), last: href(lastOffset) };
  if (offset > 0) links.prev = href(Math.max(0, offset - limit));
  if (offset + limit < all.length) links.next = href(offset + limit);
  return { items: all.slice(offset, offset + limit), totalCount: all.length, _links: links };
}
