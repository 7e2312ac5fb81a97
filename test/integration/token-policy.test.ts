import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../shared/domain/token-lifecycle.js';
import { type Account, Api, addMember, newAccount } from '../support/api.js';
import { expectNoChange } from '../support/store.js';

const api = new Api();

const OPEN = {
  maxLifetimeDays: null,
  requireExpiry: false,
  inactivityDays: null,
  serviceTokensAllowed: true,
};
type Policy = typeof OPEN | Record<keyof typeof OPEN, number | boolean | null>;

const setPolicy = async (account: Account, policy: Policy) => {
  const answer = await api.call(account.ownerToken, 'PUT', '/account/token-policy', { body: policy });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};

/** What a path hands out: a (service) token with this expiry (undefined: none). */
interface Lifetime {
  readonly serviceToken: boolean;
  readonly expiresAt: number | undefined;
}

/** Each rule, with a lifetime that breaks it, one that obeys it, and the words of its 400. */
const RULES: {
  readonly rule: string;
  readonly policy: Policy;
  readonly breaking: readonly Lifetime[];
  readonly obeying: Lifetime;
  readonly message: RegExp;
}[] = [
  {
    rule: 'maxLifetimeDays (too long)',
    policy: { ...OPEN, maxLifetimeDays: 30 },
    breaking: [
      { serviceToken: false, expiresAt: Date.now() + 31 * DAY_MS },
      { serviceToken: true, expiresAt: Date.now() + 31 * DAY_MS },
    ],
    obeying: { serviceToken: false, expiresAt: Date.now() + 29 * DAY_MS },
    message: /^expiresAt: the account's token policy allows at most 30 days$/,
  },
  {
    rule: 'maxLifetimeDays (no expiry)',
    policy: { ...OPEN, maxLifetimeDays: 30 },
    breaking: [{ serviceToken: false, expiresAt: undefined }],
    obeying: { serviceToken: true, expiresAt: Date.now() + DAY_MS },
    message: /^expiresAt: the account's token policy allows at most 30 days, so every token must expire$/,
  },
  {
    rule: 'requireExpiry',
    policy: { ...OPEN, requireExpiry: true },
    breaking: [
      { serviceToken: false, expiresAt: undefined },
      { serviceToken: true, expiresAt: undefined },
    ],
    obeying: { serviceToken: false, expiresAt: Date.now() + 400 * DAY_MS },
    message: /^expiresAt: the account's token policy requires an expiry$/,
  },
  {
    rule: 'serviceTokensAllowed',
    policy: { ...OPEN, serviceTokensAllowed: false },
    breaking: [
      { serviceToken: true, expiresAt: undefined },
      { serviceToken: true, expiresAt: Date.now() + DAY_MS },
    ],
    obeying: { serviceToken: false, expiresAt: undefined },
    message: /^serviceToken: the account's token policy allows no service tokens$/,
  },
];

const withExpiry = (expiresAt: number | undefined) => (expiresAt !== undefined ? { expiresAt } : {});

const makeToken = async (account: Account, lifetime: Lifetime) => {
  const made = await api.post(account.ownerToken, '/tokens', {
    name: 'source',
    role: 'reader',
    serviceToken: lifetime.serviceToken,
    ...withExpiry(lifetime.expiresAt),
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body as { _id: string };
};

/**
 * Every path to a secret or an expiry, as a setup under no policy (a token made before it is
 * tightened) and the call made under it. PATCH of `/expiresAt` hands out no secret: it is judged
 * on expiry rules only (a service token's expiry may still be changed while service tokens are not
 * allowed), so its lifetime's `serviceToken` is where the patched token is a service token.
 */
const PATHS: Record<
  string,
  { readonly applies: (rule: string) => boolean; readonly run: (a: Account, l: Lifetime) => Promise<any> }
> = {
  create: {
    applies: () => true,
    run: async (a, l) =>
      api.post(a.ownerToken, '/tokens', {
        name: 'new',
        role: 'reader',
        serviceToken: l.serviceToken,
        ...withExpiry(l.expiresAt),
      }),
  },
  clone: {
    applies: () => true,
    run: async (a, l) => {
      const source = await makeToken(a, { serviceToken: l.serviceToken, expiresAt: undefined });
      return {
        before: source,
        act: () =>
          api.post(a.ownerToken, `/tokens/${source._id}/clone`, {
            name: 'clone',
            ...withExpiry(l.expiresAt),
          }),
      };
    },
  },
  reset: {
    applies: () => true,
    run: async (a, l) => {
      const source = await makeToken(a, l);
      return { act: () => api.post(a.ownerToken, `/tokens/${source._id}/reset`) };
    },
  },
  'PATCH /expiresAt': {
    applies: (rule) => rule !== 'serviceTokensAllowed',
    run: async (a, l) => {
      const source = await makeToken(a, { serviceToken: l.serviceToken, expiresAt: Date.now() + DAY_MS });
      const op =
        l.expiresAt === undefined
          ? { op: 'remove', path: '/expiresAt' }
          : { op: 'replace', path: '/expiresAt', value: l.expiresAt };
      return { act: () => api.patch(a.ownerToken, `/tokens/${source._id}`, [op]) };
    },
  },
};

/** Runs a path: its setup under no policy, then the policy, then the call. */
async function attempt(path: string, policy: Policy, lifetime: Lifetime) {
  const account = await newAccount();
  const prepared = await PATHS[path]!.run(account, lifetime);
  if ('status' in prepared) throw new Error('create has no setup');
  await setPolicy(account, policy);
  return { account, act: prepared.act as () => Promise<{ status: number; body: any }> };
}

const CASES = RULES.flatMap((r) =>
  Object.keys(PATHS)
    .filter((path) => PATHS[path]!.applies(r.rule))
    .flatMap((path) => [
      ...r.breaking.map((lifetime, i) => ({ ...r, path, lifetime, breaks: true, n: i })),
      { ...r, path, lifetime: r.obeying, breaks: false, n: 0 },
    ]),
);

describe('the account token policy on every path to a secret or an expiry', () => {
  it.each(CASES.map((c) => [`${c.path}: ${c.rule} ${c.breaks ? `broken (${c.n})` : 'obeyed'}`, c] as const))(
    '%s',
    async (_, c) => {
      if (c.path === 'create') {
        const account = await newAccount();
        await setPolicy(account, c.policy);
        const run = () => PATHS.create!.run(account, c.lifetime);
        if (c.breaks) {
          let answer: any;
          await expectNoChange(account.accountId, async () => {
            answer = await run();
          });
          expect(answer.status).toBe(400);
          expect(answer.body.message).toMatch(c.message);
        } else expect((await run()).status).toBe(201);
        return;
      }
      const { account, act } = await attempt(c.path, c.policy, c.lifetime);
      if (c.breaks) {
        let answer: any;
        // A refusal changes nothing stored.
        await expectNoChange(account.accountId, async () => {
          answer = await act();
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(400);
        expect(answer.body.message).toMatch(c.message);
      } else {
        const answer = await act();
        expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
      }
    },
  );

  it('a PATCH of a service token expiry is judged on expiry rules only, not on serviceTokensAllowed', async () => {
    const { act } = await attempt(
      'PATCH /expiresAt',
      { ...OPEN, serviceTokensAllowed: false },
      {
        serviceToken: true,
        expiresAt: Date.now() + 2 * DAY_MS,
      },
    );
    expect((await act()).status).toBe(200);
  });

  it.each([
    ['maxLifetimeDays', { ...OPEN, maxLifetimeDays: 10 }, 10 * DAY_MS],
    ['requireExpiry', { ...OPEN, requireExpiry: true }, 30 * DAY_MS],
    ['an open policy', OPEN, undefined],
  ] as const)(
    'an accepted invitation’s first token obeys %s (it gets the longest expiry allowed)',
    async (_, policy, lifetime) => {
      const account = await newAccount();
      await setPolicy(account, policy);
      const before = Date.now();
      const member = await addMember(api, account.ownerToken, 'reader');
      const token = (await api.get(member.token, `/tokens/${member.tokenId}`)).body;
      if (lifetime === undefined) expect(token.expiresAt).toBeUndefined();
      else {
        expect(token.expiresAt).toBeGreaterThanOrEqual(before + lifetime);
        expect(token.expiresAt).toBeLessThanOrEqual(Date.now() + lifetime);
      }
    },
  );
});

describe('reading and setting the policy', () => {
  it('an account that never set one has the open policy', async () => {
    const account = await newAccount();
    const answer = await api.get(account.ownerToken, '/account/token-policy');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ...OPEN, violations: { items: [], totalCount: 0 } });
    expect(answer.body.lastModified).toBeUndefined();
  });

  it('tightening it kills no token but reports each one that breaks it, a page at a time', async () => {
    const account = await newAccount();
    const forever = await makeToken(account, { serviceToken: false, expiresAt: undefined });
    const service = await makeToken(account, { serviceToken: true, expiresAt: Date.now() + 60 * DAY_MS });
    const fine = await makeToken(account, { serviceToken: false, expiresAt: Date.now() + 5 * DAY_MS });
    const body = await setPolicy(account, { ...OPEN, maxLifetimeDays: 30, serviceTokensAllowed: false });
    const broken = body.violations.items.map((v: any) => [v.tokenId, v.rule]);
    // The owner's first token (no expiry) breaks it too.
    expect(broken).toEqual(
      expect.arrayContaining([
        [forever._id, 'maxLifetimeDays'],
        [service._id, 'serviceTokensAllowed'],
        [service._id, 'maxLifetimeDays'],
      ]),
    );
    expect(broken.some(([id]: string[]) => id === fine._id)).toBe(false);
    expect(body.violations.totalCount).toBe(4);
    const page = await api.get(account.ownerToken, '/account/token-policy', { limit: '2', offset: '2' });
    expect(page.body.violations.items).toHaveLength(2);
    expect(page.body.violations._links.prev).toBeDefined();
    // Nothing was revoked: the token with no expiry still works.
    const listed = (await api.get(account.ownerToken, '/tokens')).body.items.map((t: any) => t._id);
    expect(listed).toEqual(expect.arrayContaining([forever._id, service._id, fine._id]));
  });

  it('readers and writers may read it, seeing only violations among tokens they may view, and may not set it', async () => {
    const account = await newAccount();
    const reader = await addMember(api, account.ownerToken, 'reader');
    const writer = await addMember(api, account.ownerToken, 'writer');
    await setPolicy(account, { ...OPEN, requireExpiry: true });
    const seen = await api.get(reader.token, '/account/token-policy');
    expect(seen.status).toBe(200);
    expect(seen.body.requireExpiry).toBe(true);
    expect(seen.body.violations.items.map((v: any) => v.memberId)).toEqual([reader.memberId]);
    for (const caller of [reader.token, writer.token]) {
      await expectNoChange(account.accountId, async () => {
        const refused = await api.call(caller, 'PUT', '/account/token-policy', { body: OPEN });
        expect(refused.status).toBe(403);
      });
    }
    // The owner's reader-scoped token is refused too: the token bounds its member.
    const narrow = (
      await api.post(account.ownerToken, '/tokens', {
        name: 'n',
        role: 'reader',
        expiresAt: Date.now() + DAY_MS,
      })
    ).body;
    expect((await api.call(narrow.token, 'PUT', '/account/token-policy', { body: OPEN })).status).toBe(403);
  });

  it.each([
    [{ ...OPEN, maxLifetimeDays: 0 }, /^maxLifetimeDays: must be at least 1 day/],
    [{ ...OPEN, maxLifetimeDays: 3651 }, /^maxLifetimeDays: must be at most 3650 days/],
    [{ ...OPEN, maxLifetimeDays: 1.5 }, /^maxLifetimeDays: must be a whole number of days/],
    [{ ...OPEN, inactivityDays: '30' }, /^inactivityDays: must be a whole number of days, or null/],
    [{ ...OPEN, requireExpiry: 'yes' }, /^requireExpiry: /],
    [{ ...OPEN, serviceTokensAllowed: undefined }, /^serviceTokensAllowed: /],
    [{ ...OPEN, extra: 1 }, /unknown field\(s\) "extra"/],
    [[], /expected object/],
  ])('a bad body is a 400 naming the field, and changes nothing: %j', async (body, message) => {
    const account = await newAccount();
    await expectNoChange(account.accountId, async () => {
      const refused = await api.call(account.ownerToken, 'PUT', '/account/token-policy', { body });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(message);
    });
  });
});
