import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import type { Api } from '../support/api.js';
import { CliRunner, json, SECRET } from '../support/cli-runner.js';
import { within } from '../support/eventually.js';
import { startTestStack } from '../support/stack.js';

// The CLI's token lifecycle commands (API.md "Token lifecycle") against a local stack:
// `account token-policy get|set`, `audit list`, `tokens create --allowed-cidr`, `tokens
// report-leaked`. In process as cli.test.ts runs it, and as a real process where stdin and the
// process's output are the point. The URL and token come from the environment, as in CI.

const CREATES = ['tokens create'];
const REQUIRES_EXPIRY = "expiresAt: the account's token policy requires an expiry";

const runner = new CliRunner();
const { cli, bin, secretIn, knownSecrets } = runner;

let stack: LocalStack;
let api: Api;
let owner: string;
/** A reader-scoped token of the owner's. */
let reader: string;
/** The first token of a member whose role is reader. */
let readerMember: string;

/** The local stack's URL, and a token when given. */
const env = (token?: string) => ({
  env: { ACCESS_TOKENS_URL: stack.url, ...(token !== undefined ? { ACCESS_TOKENS_TOKEN: token } : {}) },
});

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(300));
  knownSecrets.add(owner);
  const created = await api.post(owner, '/tokens', { name: 'a reader', role: 'reader' });
  expect(created.status).toBe(201);
  reader = created.body.token;
  knownSecrets.add(reader);
  const invited = await api.post(owner, '/members', [{ email: 'reader@example.com', role: 'reader' }]);
  expect(invited.status).toBe(201);
  const accepted = await api.post(null, '/invitations/accept', { code: invited.body.items[0]._inviteCode });
  expect(accepted.status).toBe(201);
  readerMember = accepted.body.token.token;
  knownSecrets.add(readerMember);
});

afterAll(async () => {
  await stack?.stop();
  runner.remove();
});

describe('access-tokens account token-policy', () => {
  it('get shows the open policy, in words and as JSON', async () => {
    const shown = await cli(['account', 'token-policy', 'get'], env(owner));
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/Max lifetime\s+no limit\n/);
    expect(shown.stdout).toMatch(/Expiry required\s+no\n/);
    expect(shown.stdout).toMatch(/Inactivity limit\s+no limit\n/);
    expect(shown.stdout).toMatch(/Service tokens\s+allowed\n/);
    expect(shown.stdout).toMatch(/Last changed\s+never\n/);
    expect(shown.stdout).toContain('No token breaks it.');
    expect(json(await cli(['account', 'token-policy', 'get', '--json'], env(owner)))).toMatchObject({
      maxLifetimeDays: null,
      requireExpiry: false,
      inactivityDays: null,
      serviceTokensAllowed: true,
      violations: { items: [], totalCount: 0 },
    });
  });

  it('set changes what it is given, keeps the rest, and lists the tokens that break the new policy', async () => {
    const set = await cli(
      ['account', 'token-policy', 'set', '--max-lifetime-days', '90', '--require-expiry', 'true'],
      env(owner),
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/Max lifetime\s+90 days\n/);
    expect(set.stdout).toMatch(/Expiry required\s+yes\n/);
    expect(set.stdout).toMatch(/3 violation\(s\) \(tokens keep working until fixed\):/);
    expect(set.stdout).toMatch(/TOKEN\s+NAME\s+MEMBER\s+RULE/i);
    expect(set.stdout).toMatch(/\sa reader\s+\w+\s+maxLifetime/);
    expect(set.stdout).toMatch(/\sOwner token\s+\w+\s+maxLifetime/);
    // Tightening revokes nothing.
    expect((await api.get(reader, '/caller-identity')).status).toBe(200);

    const partial = json(
      await cli(['account', 'token-policy', 'set', '--inactivity-days', '30', '--json'], env(owner)),
    );
    expect(partial).toMatchObject({
      maxLifetimeDays: 90,
      requireExpiry: true,
      inactivityDays: 30,
      serviceTokensAllowed: true,
    });
    expect(partial.violations.totalCount).toBe(3);
    expect((await api.get(owner, '/account/token-policy')).body).toMatchObject({
      maxLifetimeDays: 90,
      inactivityDays: 30,
    });

    // Any member may read it, and sees among the violations the tokens they may view: a reader, theirs.
    const asReader = json(await cli(['account', 'token-policy', 'get', '--json'], env(readerMember)));
    expect(asReader).toMatchObject({ maxLifetimeDays: 90, requireExpiry: true });
    expect(asReader.violations.items.map((v: { name: string }) => v.name)).toEqual(['First token']);
  });

  it('a token without an expiry is then refused (exit 2, the rule named); one within it is created', async () => {
    const refused = await cli(['tokens', 'create', '--name', 'endless', '--role', 'reader'], env(owner));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("expiresAt: the account's token policy allows at most 90 days");
    expect(refused.stderr).toContain('400 invalid_request');
    const tooLong = await cli(
      ['tokens', 'create', '--name', 'endless', '--role', 'reader', '--expires-at', '120d'],
      env(owner),
    );
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain("expiresAt: the account's token policy allows at most 90 days");
    const created = await cli(
      ['tokens', 'create', '--name', 'month', '--role', 'reader', '--expires-at', '30d'],
      env(owner),
    );
    expect(created.code, created.stderr).toBe(0);
    expect((await api.get(secretIn(created), '/caller-identity')).status).toBe(200);

    // No cap but an expiry still required: the message says so.
    const lifted = await cli(['account', 'token-policy', 'set', '--max-lifetime-days', 'none'], env(owner));
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(lifted.stdout).toMatch(/Max lifetime\s+no limit\n/);
    const noExpiry = await cli(['tokens', 'create', '--name', 'endless', '--role', 'reader'], env(owner));
    expect(noExpiry.code).toBe(2);
    expect(noExpiry.stderr).toContain(REQUIRES_EXPIRY);
  });

  it('exit status: a bad value is 1 before any request, a value the API refuses is 2 naming the field, a reader is 4', async () => {
    const before = (await api.get(owner, '/account/token-policy')).body;
    for (const args of [
      ['--max-lifetime-days', '0'],
      ['--max-lifetime-days', 'ninety'],
      ['--inactivity-days', '1.5'],
      ['--require-expiry', 'maybe'],
      ['--service-tokens', ''],
      ['--frobnicate'],
    ]) {
      const bad = await cli(['account', 'token-policy', 'set', ...args], env(owner));
      expect(bad.code, args.join(' ')).toBe(1);
      expect(bad.stdout, args.join(' ')).toBe('');
    }
    expect(
      (await cli(['account', 'token-policy', 'set', '--max-lifetime-days', '0'], env(owner))).stderr,
    ).toContain('a whole number of days, or "none"');

    const tooMany = await cli(['account', 'token-policy', 'set', '--max-lifetime-days', '4000'], env(owner));
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('maxLifetimeDays: must be at most 3650 days');
    expect(JSON.parse((await cli([...tooMany.args, '--json'], env(owner))).stderr)).toMatchObject({
      status: 400,
      code: 'invalid_request',
    });

    const forbidden = await cli(['account', 'token-policy', 'set', '--require-expiry', 'false'], env(reader));
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toContain('403');
    expect((await cli(['account', 'token-policy', 'get'], env())).code).toBe(3);
    expect((await api.get(owner, '/account/token-policy')).body).toEqual(before);
  });
});

describe('access-tokens audit list', () => {
  it('--q finds the policy changes with their actor, in words and as JSON; a reader gets 4', async () => {
    let listed = await cli(['audit', 'list', '--q', 'token policy'], env(owner));
    await within(20_000, async () => {
      listed = await cli(['audit', 'list', '--q', 'token policy'], env(owner));
      return listed.stdout.split("updated the account's").length - 1 >= 3;
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/DATE\s+ACTOR\s+WHAT\s+NAME\s+FROM/);
    expect(listed.stdout).toMatch(
      /owner@localhost \(Owner token\)\s+updated the account's\s+token policy\s+127\.0\.0\.1/,
    );
    expect(listed.stdout).not.toContain('created the token');

    const page = json(await cli(['audit', 'list', '--q', 'token policy', '--json'], env(owner)));
    expect(page.items.length).toBe(3);
    expect(page.items[0]).toMatchObject({
      kind: 'account',
      member: { email: 'owner@localhost' },
      token: { name: 'Owner token' },
      _actor: 'token',
    });
    // Newest first: the last change lifted the cap.
    expect(page.items[0].description).toContain('maxLifetimeDays: 90 → (none)');

    const none = await cli(['audit', 'list', '--q', 'nothing-like-this'], env(owner));
    expect(none.stdout.trim()).toBe('No audit log entries.');
    expect((await cli(['audit', 'list'], env(reader))).code).toBe(4);
    expect((await cli(['audit', 'list', '--after', 'yesterday-ish'], env(owner))).code).toBe(1);
  });
});

describe('access-tokens tokens: IP binding and leaks', () => {
  it('tokens create --allowed-cidr 10.0.0.0/8 makes a token that gets 401 from 127.0.0.1 (exit 3)', async () => {
    const created = await cli(
      [
        'tokens',
        'create',
        '--name',
        'ten-net',
        '--role',
        'reader',
        '--expires-at',
        '1d',
        '--allowed-cidr',
        '10.0.0.0/8',
        '--json',
      ],
      env(owner),
    );
    expect(created.code, created.stderr).toBe(0);
    const token = json(created);
    knownSecrets.add(token.token);
    expect(token.allowedCidrs).toEqual(['10.0.0.0/8']);
    expect((await api.get(token.token, '/caller-identity')).status).toBe(401);
    const refused = await cli(['whoami'], env(token.token));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('401 unauthorized');
    expect((await cli(['tokens', 'get', token._id], env(owner))).stdout).toMatch(
      /Allowed from\s+10\.0\.0\.0\/8\n/,
    );

    const both = await cli(
      ['tokens', 'update', token._id, '--allowed-cidr', '127.0.0.1', '--any-address'],
      env(owner),
    );
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('cannot be used with');
  });

  it('tokens report-leaked reads values from stdin (a real process, no credentials), revokes them, and never prints them, --verbose included', async () => {
    const leaked = secretIn(
      await cli(
        ['tokens', 'create', '--name', 'leaked', '--role', 'reader', '--expires-at', '1d'],
        env(owner),
      ),
    );
    expect((await api.get(leaked, '/caller-identity')).status).toBe(200);
    const reported = await bin(['tokens', 'report-leaked', '--verbose'], {
      ...env(),
      stdin: `found in build.log:\n${leaked}\n`,
    });
    expect(reported.code, reported.stderr).toBe(0);
    expect(reported.stdout).toContain('Reported 4 value(s) in 1 report(s)');
    expect(reported.stderr).toMatch(/> POST http:\/\/127\.0\.0\.1:\d+\/api\/v2\/tokens\/leaked\n< 202/);
    expect(`${reported.stdout}${reported.stderr}`).not.toContain(leaked);
    expect(`${reported.stdout}${reported.stderr}`).not.toContain(leaked.slice(4, 20));
    await within(5_000, async () => (await api.get(leaked, '/caller-identity')).status === 401);

    // --json: the API's answer, which says nothing of what matched; nothing to report is exit 1.
    const again = await cli(['tokens', 'report-leaked', '--json'], { ...env(), stdin: leaked });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(SECRET);
    const empty = await bin(['tokens', 'report-leaked'], { ...env(), stdin: '\n  \n' });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no values to report');
  });

  it('--help of the new commands names their options, with examples', async () => {
    const helps: [string[], RegExp[]][] = [
      [
        ['account', 'token-policy', 'set'],
        [
          /--max-lifetime-days <days>/,
          /--require-expiry <bool>/,
          /--inactivity-days <days>/,
          /--service-tokens <bool>/,
        ],
      ],
      [['account', 'token-policy', 'get'], [/account token-policy get --json/]],
      [
        ['audit', 'list'],
        [/--q <text>/, /--before <time>/, /--after <time>/, /--limit <n>/],
      ],
      [['tokens', 'create'], [/--allowed-cidr <cidr>/]],
      [
        ['tokens', 'update'],
        [/--allowed-cidr <cidr>/, /--any-address/],
      ],
      [
        ['tokens', 'clone'],
        [/--allowed-cidr <cidr>/, /--any-address/],
      ],
      [
        ['tokens', 'report-leaked'],
        [/\[value\.\.\.\]/, /stdin/],
      ],
    ];
    for (const [path, options] of helps) {
      const help = await cli([...path, '--help']);
      expect(help.code, path.join(' ')).toBe(0);
      expect(help.stdout, path.join(' ')).toContain(`Usage: access-tokens ${path.join(' ')}`);
      expect(help.stdout, path.join(' ')).toContain('Examples:');
      for (const option of options) expect(help.stdout, path.join(' ')).toMatch(option);
    }
    const account = await cli(['account', '--help']);
    expect(account.stdout).toContain('token-policy');
  });

  it('no command printed a secret it was not asked to create, nor the token it authenticated with', () => {
    runner.expectNoStraySecrets(CREATES);
    expect(runner.transcript.length).toBeGreaterThan(30);
  });
});
