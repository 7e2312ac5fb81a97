import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cli } from '../../cli/context.js';
import { buildProgram } from '../../cli/program.js';
import { freePort } from '../../infra/local/dynamodb-local.js';
import type { LocalStack } from '../../infra/local/stack.js';
import type { Api } from '../support/api.js';
import { as, type CliResult, CliRunner, json, SECRET } from '../support/cli-runner.js';
import { within } from '../support/eventually.js';
import { startTestStack } from '../support/stack.js';

// The CLI against a running local stack: mostly in process (the same `run` the bin calls, with
// captured streams), and as a real child process where the process itself is the point (the bin
// and its exit status, stdin, the profile file's mode, `npm run cli`).

/** Runs that were asked to create a secret, and so may print it (once). */
const CREATES = ['tokens create', 'tokens clone', 'tokens reset', 'members invite', 'members accept'];

type Result = CliResult;
const runner = new CliRunner();
const { transcript, knownSecrets, home, profileFile, cli, spawnCli, bin, secretIn } = runner;

let stack: LocalStack;
let api: Api;
let owner: string;

const policy = (statements: unknown) => JSON.stringify(statements);

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(300));
  knownSecrets.add(owner);
});

afterAll(async () => {
  await stack?.stop();
  runner.remove();
});

describe('access-tokens CLI', () => {
  let readerId: string;
  let readerValue: string;

  it('bootstrap local checks the owner token from stdin and saves it in a 0600 file in a 0700 folder', async () => {
    const saved = await bin(['bootstrap', 'local', '--url', stack.url], { stdin: `Owner token: ${owner}\n` });
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toContain('Saved as profile "local"');
    expect(statSync(profileFile()).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(profileFile())).mode & 0o777).toBe(0o700);
    const file = JSON.parse(readFileSync(profileFile(), 'utf8'));
    expect(file).toEqual({ current: 'local', profiles: { local: { url: stack.url, token: owner } } });

    // A token the API refuses is never saved.
    const refused = await cli(['profile', 'save', 'bad', '--url', stack.url, '--token', 'atk_not-a-token']);
    expect(refused.code).toBe(3);
    expect(JSON.parse(readFileSync(profileFile(), 'utf8')).profiles.bad).toBeUndefined();
    expect((await cli(['profile', 'list'])).stdout).toMatch(/\*\s+local\s+http:\/\/127\.0\.0\.1:\d+\s+saved/);

    // Saving makes a profile current; use and remove switch back and forget it.
    expect((await cli(['profile', 'save', 'second', '--url', stack.url], { stdin: owner })).code).toBe(0);
    expect(json(await cli(['profile', 'list', '--json'])).current).toBe('second');
    expect((await cli(['profile', 'use', 'local'])).code).toBe(0);
    expect((await cli(['profile', 'remove', 'second'])).code).toBe(0);
    expect(json(await cli(['profile', 'list', '--json']))).toMatchObject({
      current: 'local',
      profiles: { local: { url: stack.url, hasToken: true } },
    });
    expect(readFileSync(profileFile(), 'utf8')).not.toContain('second');
  });

  it('whoami uses the current profile and says where the URL and token came from', async () => {
    const shown = await cli(['whoami']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/Token\s+"Owner token"/);
    expect(shown.stdout).toMatch(/Member now\s+owner\n/);
    expect(shown.stdout).toContain(`${stack.url} (from profile "local")`);
    const identity = json(await cli(['whoami', '--json']));
    expect(identity).toMatchObject({
      tokenName: 'Owner token',
      accountId: stack.accountId,
      tokenKind: 'personal',
    });
  });

  it('tokens create prints a reader token once; list and get show only its last four; the token works', async () => {
    const created = await cli(['tokens', 'create', '--name', 'ci-reader', '--role', 'reader']);
    expect(created.code, created.stderr).toBe(0);
    readerValue = secretIn(created);
    readerId = /token ([0-9a-f]{24}) "ci-reader"/.exec(created.stdout)![1]!;

    const listed = await cli(['tokens', 'list']);
    expect(listed.stdout).toMatch(
      new RegExp(`${readerId}\\s+ci-reader\\s+reader\\s+\\S+\\s+…${readerValue.slice(-4)}`),
    );
    const page = json(await cli(['tokens', 'list', '--json']));
    expect(page.items.find((t: { _id: string }) => t._id === readerId).token).toBe(readerValue.slice(-4));
    expect(json(await cli(['tokens', 'get', readerId, '--json'])).token).toBe(readerValue.slice(-4));

    expect((await api.get(readerValue, '/projects')).status).toBe(200);
    const asReader = await cli(['whoami'], as(readerValue));
    expect(asReader.stdout).toMatch(/Token\s+"ci-reader"/);
    expect(asReader.stdout).toMatch(/Scope\s+reader/);
    expect(asReader.stdout).toContain('token from ACCESS_TOKENS_TOKEN');
    // --token beats the environment.
    expect((await cli(['whoami', '--token', owner], as(readerValue))).stdout).toMatch(
      /Token\s+"Owner token"/,
    );
  });

  it('check exits 0 when allowed and 6 when denied, and a scope change (role, custom role, inline policy, name) shows at once', async () => {
    const denied = await cli(['check', 'createProject', 'proj/cli'], as(readerValue));
    expect(denied.code).toBe(6);
    expect(denied.stdout).toMatch(/^denied/);
    expect(json(await cli(['check', 'createProject', 'proj/cli', '--json'], as(readerValue)))).toMatchObject({
      allowed: false,
    });

    expect((await cli(['tokens', 'update', readerId, '--role', 'writer'])).code).toBe(0);
    expect((await cli(['check', 'createProject', 'proj/cli'], as(readerValue))).code).toBe(0);

    const viewOnly = policy([{ effect: 'allow', actions: ['viewProject'], resources: ['proj/*'] }]);
    const role = await cli(['roles', 'create', 'cli-viewer', '--name', 'CLI viewer', '--policy', viewOnly]);
    expect(role.code, role.stderr).toBe(0);
    expect((await cli(['tokens', 'update', readerId, '--custom-role', 'cli-viewer'])).code).toBe(0);
    expect((await cli(['check', 'createProject', 'proj/cli'], as(readerValue))).code).toBe(6);
    expect((await cli(['check', 'viewProject', 'proj/any'], as(readerValue))).code).toBe(0);

    const onlyCli = policy([{ effect: 'allow', actions: ['createProject'], resources: ['proj/cli'] }]);
    const inline = await cli([
      'tokens',
      'update',
      readerId,
      '--policy',
      onlyCli,
      '--name',
      'ci-inline',
      '--json',
    ]);
    expect(json(inline)).toMatchObject({
      name: 'ci-inline',
      customRoleIds: [],
      inlineRole: JSON.parse(onlyCli),
    });
    expect(json(inline).role).toBeUndefined();
    expect((await cli(['check', 'createProject', 'proj/cli'], as(readerValue))).code).toBe(0);
    expect((await cli(['check', 'createProject', 'proj/other'], as(readerValue))).code).toBe(6);
  });

  it('clone prints a new value once with the same scope; reset replaces the value, the old one is 401', async () => {
    const clone = json(await cli(['tokens', 'clone', readerId, '--name', 'ci-clone', '--json']));
    knownSecrets.add(clone.token);
    expect(clone.inlineRole).toEqual(json(await cli(['tokens', 'get', readerId, '--json'])).inlineRole);
    expect((await api.get(clone.token, '/caller-identity')).body.tokenName).toBe('ci-clone');

    // With --expiry, the old value keeps working until then.
    const graced = await cli(['tokens', 'reset', clone._id, '--expiry', '1h']);
    expect(secretIn(graced)).not.toBe(clone.token);
    expect((await api.get(clone.token, '/caller-identity')).status).toBe(200);

    const reset = await cli(['tokens', 'reset', readerId]);
    expect(reset.code, reset.stderr).toBe(0);
    const old = readerValue;
    readerValue = secretIn(reset);
    expect((await api.get(old, '/caller-identity')).status).toBe(401);
    expect((await api.get(readerValue, '/caller-identity')).status).toBe(200);
  });

  it('after tokens delete, the deleted token exits 3 (a real process) and no output shows it, --verbose included', async () => {
    const deleted = await cli(['tokens', 'delete', readerId, '--yes']);
    expect(deleted.stdout).toContain(`Deleted token ${readerId}`);
    const refused = await bin(['whoami', '--verbose'], as(readerValue));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('Invalid access token (401 unauthorized');
    expect(refused.stderr).toMatch(/> GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/caller-identity\n< 401/);
    expect(refused.stdout + refused.stderr).not.toContain(readerValue);
  });

  it('members: invite (code once), accept (token once), role, custom roles, remove (their token exits 3)', async () => {
    const invited = await cli(['members', 'invite', 'cli-member@example.com', '--role', 'reader', '--json']);
    expect(invited.code, invited.stderr).toBe(0);
    const [member] = json(invited).items;
    knownSecrets.add(member._inviteCode);
    const accepted = json(
      await cli(['members', 'accept', member._inviteCode, '--token-name', 'laptop', '--json']),
    );
    knownSecrets.add(accepted.token.token);
    expect(accepted.token.name).toBe('laptop');

    expect((await cli(['members', 'list'])).stdout).toMatch(
      new RegExp(`${member._id}\\s+cli-member@example.com\\s+reader\\s+active`),
    );
    expect((await cli(['members', 'role', member._id, 'writer'])).code).toBe(0);
    expect(json(await cli(['members', 'get', member._id, '--json'])).role).toBe('writer');
    expect(
      json(await cli(['members', 'custom-roles', member._id, 'cli-viewer', '--json'])).customRoles,
    ).toEqual(['cli-viewer']);
    expect(json(await cli(['members', 'custom-roles', member._id, '--json'])).customRoles).toEqual([]);
    expect((await cli(['whoami'], as(accepted.token.token))).code).toBe(0);

    expect((await cli(['members', 'remove', member._id, '--yes'])).code).toBe(0);
    expect((await cli(['whoami'], as(accepted.token.token))).code).toBe(3);
    expect(
      json(await cli(['members', 'list', '--json'])).items.map((m: { _id: string }) => m._id),
    ).not.toContain(member._id);
  });

  it('roles: list, get, update, delete (then 404, exit 2)', async () => {
    expect((await cli(['roles', 'list'])).stdout).toMatch(/cli-viewer\s+CLI viewer\s+reader\s+1/);
    const updated = await cli(['roles', 'update', 'cli-viewer', '--description', 'reads projects', '--json']);
    expect(json(updated)).toMatchObject({ key: 'cli-viewer', description: 'reads projects' });
    expect((await cli(['roles', 'get', 'cli-viewer'])).stdout).toMatch(/Description\s+reads projects/);
    expect((await cli(['roles', 'delete', 'cli-viewer', '--yes'])).code).toBe(0);
    const gone = await cli(['roles', 'get', 'cli-viewer']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('404 not_found');
  });

  it('exit status: 403 is 4, 400 is 2 naming the field, no token is 3, unreachable is 5, bad usage is 1', async () => {
    const reader = (await api.post(owner, '/tokens', { name: 'reader', role: 'reader' })).body.token;
    knownSecrets.add(reader);
    expect((await cli(['members', 'invite', 'x@example.com'], as(reader))).code).toBe(4);

    const bad = policy([{ effect: 'allow', actions: ['viewProject'], resources: ['widget/x'] }]);
    const invalid = await cli(['tokens', 'create', '--name', 'x', '--policy', bad]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/inlineRole\.0\.resources\.0.*400 invalid_request/);
    const invalidJson = JSON.parse(
      (await cli(['tokens', 'create', '--name', 'x', '--policy', bad, '--json'])).stderr,
    );
    expect(invalidJson).toMatchObject({ status: 400, code: 'invalid_request' });

    // The profile's token is for 127.0.0.1: it is not sent to another URL, even the same server's.
    const elsewhere = await cli(['whoami', '--url', stack.url.replace('127.0.0.1', 'localhost')]);
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.stderr).toContain('is never sent to http://localhost:');

    const closed = await cli(['whoami', '--url', `http://127.0.0.1:${await freePort()}`, '--token', reader]);
    expect(closed.code).toBe(5);
    expect(closed.stderr).toContain('Is the local stack running (npm start)?');

    for (const args of [
      ['tokens', 'create', '--role', 'reader'],
      ['tokens', 'create', '--name', 'x'],
      ['tokens', 'create', '--name', 'x', '--role', 'reader', '--policy', '[]'],
      ['tokens', 'create', '--name', 'x', '--role', 'root'],
      ['tokens', 'create', '--name', 'x', '--role', 'reader', '--expires-at', 'soon'],
      ['tokens', 'frobnicate'],
      ['whoami', '--profile', 'nosuch'],
    ])
      expect((await cli(args)).code, args.join(' ')).toBe(1);
  });

  it('events tail prints past events (--json lines parse) and follows new ones', async () => {
    const past = await cli(['events', 'tail', '--no-follow', '-n', '1000']);
    expect(past.stdout).toMatch(
      new RegExp(`Token Revoked\\s+token ${readerId}\\s+member \\w+\\s+\\(deleted\\)`),
    );
    const lines = (await cli(['events', 'tail', '--no-follow', '-n', '1000', '--json'])).stdout
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l)['detail-type'])).toContain('Token Revoked');

    const stop = new AbortController();
    const live = { stdout: '' };
    const following = cli(['events', 'tail', '-n', '0', '--interval', '50'], { signal: stop.signal, live });
    const token = (await api.post(owner, '/tokens', { name: 'followed', role: 'reader' })).body;
    knownSecrets.add(token.token);
    await api.delete(owner, `/tokens/${token._id}`);
    for (let waited = 0; !live.stdout.includes(`token ${token._id}`) && waited < 10_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    const followed = await following;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(new RegExp(`Token Created\\s+token ${token._id}`));
    expect(followed.stdout).not.toContain(`token ${readerId}`); // -n 0: nothing from before

    const notLocal = await cli(['events', 'tail', '--no-follow', '--url', `${stack.url}/elsewhere`]);
    expect(notLocal.code).toBe(2);
    expect(notLocal.stderr).toContain('events tail follows the local stack (npm start) only');
  });

  it('--help works on every command, with a description and examples (the list comes from the program)', async () => {
    const program = buildProgram(
      new Cli({ stdout: () => {}, stderr: () => {}, env: {}, stdin: Readable.from([]) }),
    );
    const walk = (command: Command, path: string[]): { path: string[]; command: Command }[] =>
      command.commands
        .filter((c) => c.name() !== 'help')
        .flatMap((c) => [{ path: [...path, c.name()], command: c }, ...walk(c, [...path, c.name()])]);
    const commands = walk(program, []);
    expect(commands.length).toBeGreaterThan(25);
    for (const { path, command } of commands) {
      const help = await cli([...path, '--help']);
      expect(help.code, path.join(' ')).toBe(0);
      expect(command.description(), path.join(' ')).not.toBe('');
      expect(help.stdout, path.join(' ')).toContain(`Usage: access-tokens ${path.join(' ')}`);
      expect(help.stdout, path.join(' ')).toContain('--json');
      if (command.commands.length === 0) expect(help.stdout, path.join(' ')).toContain('Examples:');
    }
    const root = await cli(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('Exit status: 0 ok');
  });

  it('from the clone, npx access-tokens and npm run -s cli -- run the bin, their stdout clean enough for --json', async () => {
    // npm 11 links the project's own bin into its npx cache (under this HOME) without the registry.
    const npm = { env: { npm_config_offline: 'true', npm_config_update_notifier: 'false' } };
    const results = await Promise.all([
      spawnCli('npx', ['access-tokens', 'whoami', '--json'], npm),
      spawnCli('npm', ['run', '-s', 'cli', '--', 'whoami', '--json'], npm),
    ]);
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(json(result).tokenName).toBe('Owner token');
    }
  });

  it('bootstrap aws relays the deployment script failing (no AWS here) with exit 5 and saves nothing', async () => {
    const failed = await cli(
      ['bootstrap', 'aws', '--stage', 'nosuch', '--email', 'o@example.com', '--url', stack.url],
      {
        env: {
          AWS_CONFIG_FILE: join(home, 'none'),
          AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );
    expect(failed.code).toBe(5);
    expect(failed.stderr).toContain('bootstrap failed: could not read stack AccessTokens-nosuch-Stateful');
    expect(JSON.parse(readFileSync(profileFile(), 'utf8')).profiles.nosuch).toBeUndefined();
  });

  it('tokens create, update and clone bind a token with --allowed-cidr and unbind it with --any-address', async () => {
    const created = await cli([
      'tokens',
      'create',
      '--name',
      'bound',
      '--role',
      'reader',
      '--allowed-cidr',
      '10.0.0.1/8',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const value = secretIn(created);
    const id = /token ([0-9a-f]{24}) "bound"/.exec(created.stdout)![1]!;
    expect(json(await cli(['tokens', 'get', id, '--json'])).allowedCidrs).toEqual(['10.0.0.0/8']);
    expect((await cli(['tokens', 'get', id])).stdout).toMatch(/Allowed from\s+10\.0\.0\.0\/8/);
    expect((await cli(['whoami'], as(value))).code).toBe(3);
    const rebound = await cli([
      'tokens',
      'update',
      id,
      '--allowed-cidr',
      '127.0.0.1',
      '--allowed-cidr',
      '::1',
      '--json',
    ]);
    expect(json(rebound).allowedCidrs).toEqual(['127.0.0.1/32', '::1/128']);
    expect((await cli(['whoami'], as(value))).code).toBe(0);
    const bad = await cli(['tokens', 'update', id, '--allowed-cidr', '10.0.0.0/33']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('allowedCidrs.0: "10.0.0.0/33"');
    const cloned = await cli(['tokens', 'clone', id, '--name', 'anywhere', '--any-address', '--json']);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(json(cloned).allowedCidrs).toBeUndefined();
    knownSecrets.add(json(cloned).token);
    expect(json(await cli(['tokens', 'update', id, '--any-address', '--json'])).allowedCidrs).toBeUndefined();
  });

  it('tokens report-leaked revokes the values it is given, as arguments or on stdin, without credentials or echoing them', async () => {
    const first = secretIn(await cli(['tokens', 'create', '--name', 'leak-1', '--role', 'reader']));
    const second = secretIn(await cli(['tokens', 'create', '--name', 'leak-2', '--role', 'reader']));
    const byArgs = await cli(['tokens', 'report-leaked', first]);
    expect(byArgs.code, byArgs.stderr).toBe(0);
    expect(byArgs.stdout).toContain('Reported 1 value(s)');
    const byStdin = await cli(['tokens', 'report-leaked'], { stdin: `noise\n${second}\n\n` });
    expect(byStdin.code, byStdin.stderr).toBe(0);
    expect(byStdin.stdout).toContain('Reported 2 value(s)');
    for (const result of [byArgs, byStdin]) expect(`${result.stdout}${result.stderr}`).not.toMatch(SECRET);
    expect((await api.get(first, '/caller-identity')).status).toBe(401);
    expect((await api.get(second, '/caller-identity')).status).toBe(401);
    expect((await cli(['tokens', 'report-leaked'], { stdin: '' })).code).toBe(1);
  });

  it('no command printed a secret it was not asked to create, nor the token it authenticated with', () => {
    runner.expectNoStraySecrets(CREATES);
    expect(transcript.length).toBeGreaterThan(60);
  });
});

describe('access-tokens audit', () => {
  it('audit list shows who changed what, newest first, and filters with --q, --limit, --after and --before', async () => {
    const name = `audited-${Date.now()}`;
    expect((await api.post(owner, '/tokens', { name, role: 'reader' })).status).toBe(201);
    const args = ['--url', stack.url, '--token', owner];
    let listed: Result | undefined;
    await within(20_000, async () => {
      listed = await cli(['audit', 'list', '--q', name, ...args]);
      return listed.stdout.includes(name);
    });
    expect(listed!.code, listed!.stderr).toBe(0);
    expect(listed!.stdout).toMatch(/DATE\s+ACTOR\s+WHAT\s+NAME\s+FROM/);
    expect(listed!.stdout).toContain('created the token');
    const raw = json(await cli(['audit', 'list', '--json', '--limit', '1', '--after', '1h', ...args]));
    expect(raw.items).toHaveLength(1);
    expect(json(await cli(['audit', 'list', '--json', '--before', '2000-01-01', ...args])).items).toEqual([]);
    expect((await cli(['audit', 'list', '--limit', '21', ...args])).code).toBe(2);
  });
});
