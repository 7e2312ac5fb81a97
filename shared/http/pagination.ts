import { z } from 'zod';
import type { pageLinksSchema } from '../schemas/representations.js';

export const paginationSchema = z.object({
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(25),
  offset: z.coerce.number().int().min(0, 'must not be negative').default(0),
});

/** A collection's links; its schema (and the OpenAPI document's) is `pageLinksSchema`. */
export type PageLinks = z.infer<typeof pageLinksSchema>;

export interface Page<T> {
  readonly items: T[];
  readonly totalCount: number;
  readonly _links: PageLinks;
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
  const links: PageLinks = { self: href(offset), first: href(0), last: href(lastOffset) };
  if (offset > 0) links.prev = href(Math.max(0, offset - limit));
  if (offset + limit < all.length) links.next = href(offset + limit);
  return { items: all.slice(offset, offset + limit), totalCount: all.length, _links: links };
}
