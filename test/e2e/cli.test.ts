import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cli } from '../../cli/context.js';
import { buildProgram, run } from '../../cli/program.js';
import { freePort } from '../../infra/local/dynamodb-local.js';
import type { LocalStack } from '../../infra/local/stack.js';
import type { Api } from '../support/api.js';
import { startTestStack } from '../support/stack.js';

// The CLI against a running local stack: mostly in process (the same `run` the bin calls, with
// captured streams), and as a real child process where the process itself is the point (the bin
// and its exit status, stdin, the profile file's mode, `npm run cli`).

const BIN = join(process.cwd(), 'cli', 'access-tokens.mjs');
/** A token or invitation code value (token-format.ts: prefix, 33 + 6 base62 characters). */
const SECRET = /\bat[ki]_[0-9A-Za-z]{39}\b/g;
/** Runs that were asked to create a secret, and so may print it (once). */
const CREATES = ['tokens create', 'tokens clone', 'tokens reset', 'members invite', 'members accept'];

interface Result {
  readonly args: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const transcript: Result[] = [];
const knownSecrets = new Set<string>();

let stack: LocalStack;
let api: Api;
let owner: string;
let home: string;

interface RunOptions {
  readonly env?: Record<string, string>;
  readonly stdin?: string;
  readonly signal?: AbortSignal;
  readonly live?: { stdout: string };
}

function record(result: Result): Result {
  transcript.push(result);
  return result;
}

const baseEnv = (): Record<string, string> => ({ HOME: home, XDG_CONFIG_HOME: join(home, '.config') });
const profileFile = () => join(home, '.config', 'access-tokens', 'config.json');

/** In process: `run` with captured streams, as the bin calls it. */
async function cli(args: readonly string[], options: RunOptions = {}): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (text) => {
      stdout += text;
      if (options.live) options.live.stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { ...baseEnv(), ...options.env },
    stdin: Readable.from(options.stdin !== undefined ? [options.stdin] : []),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return record({ args, code, stdout, stderr });
}

/** A real process: node, the bin, tsx, the CLI. */
function spawnCli(command: string, args: readonly string[], options: RunOptions = {}): Promise<Result> {
  const child = spawn(command, command === process.execPath ? [BIN, ...args] : args, {
    env: { PATH: process.env.PATH ?? '', ...baseEnv(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve) =>
    child.once('close', (code) => resolve(record({ args, code: code ?? -1, stdout, stderr }))),
  );
}
const bin = (args: readonly string[], options: RunOptions = {}) => spawnCli(process.execPath, args, options);

/** The one secret a create-like command printed. */
function secretIn(result: Result): string {
  const found = [...new Set(result.stdout.match(SECRET) ?? [])];
  expect(found).toHaveLength(1);
  knownSecrets.add(found[0]!);
  return found[0]!;
}

const json = (result: Result) => JSON.parse(result.stdout);
const as = (token: string) => ({ env: { ACCESS_TOKENS_TOKEN: token } });
const policy = (statements: unknown) => JSON.stringify(statements);

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(300));
  knownSecrets.add(owner);
  home = mkdtempSync(join(tmpdir(), 'cli-home-'));
});

afterAll(async () => {
  await stack?.stop();
  rmSync(home, { recursive: true, force: true });
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

  it('no command printed a secret it was not asked to create, nor the token it authenticated with', () => {
    for (const result of transcript) {
      const creates = CREATES.some((c) => result.args.join(' ').startsWith(c));
      const printed = [...(result.stdout.match(SECRET) ?? [])];
      expect(result.stderr.match(SECRET), result.args.join(' ')).toBeNull();
      expect(printed.length, result.args.join(' ')).toBeLessThanOrEqual(creates ? 1 : 0);
      for (const secret of printed) expect(knownSecrets).toContain(secret);
    }
    expect(transcript.length).toBeGreaterThan(60);
  });
});
