import { describe, expect, it } from 'vitest';
import { apiHandler } from '../../shared/http/api-handler.js';
import { ROUTES, type RouteKeyOf } from '../../shared/http/routes.js';

const noop = async () => ({ status: 204 });

/**
 * A function's handler map is typed from the route table. These calls are type errors (CI runs
 * `tsc`, which fails if an expected error goes away); at run time they only build a handler.
 */
describe('handler maps are checked against the route table by tsc', () => {
  it('a map missing a route, with an extra one, or with a misspelt one does not compile', () => {
    // @ts-expect-error the identity function also serves POST /api/v2/caller-identity/check
    const missing = apiHandler('identity', { 'GET /api/v2/caller-identity': noop });
    const extra = apiHandler('identity', {
      'GET /api/v2/caller-identity': noop,
      'POST /api/v2/caller-identity/check': noop,
      // @ts-expect-error no such route in the table for this function
      'DELETE /api/v2/caller-identity': noop,
    });
    // @ts-expect-error a route of another function
    const misplaced = apiHandler('identity', { 'GET /api/v2/tokens': noop });
    for (const handler of [missing, extra, misplaced]) expect(typeof handler).toBe('function');
  });

  it('the key type names exactly the table routes of the function', () => {
    const keys: RouteKeyOf<'identity'>[] = [
      'GET /api/v2/caller-identity',
      'POST /api/v2/caller-identity/check',
    ];
    expect(ROUTES.filter((r) => r.function === 'identity').map((r) => `${r.method} ${r.path}`)).toEqual(keys);
  });
});
