import { type Command, Option } from 'commander';
import type { TokenView } from '../../shared/http/views.js';
import { MAX_REPORTED_VALUES } from '../../shared/schemas/leak.js';
import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { details, pageNote, scope, table, time } from '../format.js';
import { collect, parseCount, parseExpiry, parsePolicy, parseTime } from '../parse.js';
import { examples, type Page } from './help.js';

const ROLES = ['reader', 'writer', 'admin'];

interface ScopeOptions {
  role?: string;
  customRole?: string[];
  policy?: unknown[];
}

const scopeOptions = (command: Command) =>
  command
    .addOption(
      new Option('--role <role>', 'scope: a built-in role')
        .choices(ROLES)
        .conflicts(['customRole', 'policy']),
    )
    .addOption(
      new Option('--custom-role <key>', 'scope: a custom role (repeat for several)')
        .argParser(collect)
        .conflicts(['role', 'policy']),
    )
    .addOption(
      new Option('--policy <json|@file>', 'scope: an inline policy, JSON statements or @file holding them')
        .argParser(parsePolicy)
        .conflicts(['role', 'customRole']),
    );

/** The create body's scope: exactly one of `role`, `customRoleIds`, `inlineRole` (API.md). */
function scopeBody(o: ScopeOptions): Record<string, unknown> {
  if (o.role !== undefined) return { role: o.role };
  if (o.customRole !== undefined) return { customRoleIds: o.customRole };
  if (o.policy !== undefined) return { inlineRole: o.policy };
  throw new UsageError('give the token a scope: --role, --custom-role or --policy');
}

function summary(t: TokenView): string {
  return details([
    ['ID', t._id],
    ['Name', t.name],
    ['Description', t.description],
    ['Scope', scope(t)],
    ['Kind', t.serviceToken ? 'service token' : 'personal'],
    ['Member', t._member ? `${t._member.email} (${t._member.role})` : t.memberId],
    ['Token', `…${t.token.slice(-4)}`],
    ['Created', time(t.creationDate)],
    ['Last modified', time(t.lastModified)],
    ['Last used', time(t.lastUsed)],
    ['Expires', time(t.expiresAt)],
    ['Allowed from', t.allowedCidrs?.join(', ') ?? 'any address'],
  ]);
}

/** `--allowed-cidr` (repeatable): a token's IP binding, for create, clone and update. */
const allowedCidrOption = () =>
  new Option(
    '--allowed-cidr <cidr>',
    'bind it to a source range or address, IPv4 or IPv6 (repeat for several, at most 20); calls from elsewhere get 401',
  )
    .argParser(collect)
    .conflicts('anyAddress');

/** The IP binding a command's options give: the ranges, none (`[]`), or unchanged (undefined). */
const bindingOf = (o: { allowedCidr?: string[]; anyAddress?: boolean }) =>
  o.anyAddress ? [] : o.allowedCidr;

/** Reads the values to report from stdin: whitespace-separated, blank lines ignored. */
async function valuesFromStdin(stdin: NodeJS.ReadableStream): Promise<string[]> {
  let text = '';
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) text += chunk as string;
  return text.split(/\s+/).filter((v) => v !== '');
}

/** A create, clone or reset answer: the one time its value is shown. */
function withValue(verb: string, t: TokenView): string {
  return `${verb} token ${t._id} "${t.name}" (${scope(t)}${t.expiresAt ? `, expires ${time(t.expiresAt)}` : ''}).
Its value is shown this once and cannot be read again; keep it now:
${t.token}`;
}

/** The JSON Patch for `tokens update`, from the token as it is now (a scope change clears the other two kinds). */
export function tokenPatch(current: TokenView, o: UpdateOptions): unknown[] {
  const ops: unknown[] = [];
  if (o.name !== undefined) ops.push({ op: 'replace', path: '/name', value: o.name });
  if (o.description !== undefined) ops.push({ op: 'add', path: '/description', value: o.description });
  if (o.role !== undefined || o.customRole !== undefined || o.policy !== undefined) {
    if (o.role !== undefined) ops.push({ op: 'add', path: '/role', value: o.role });
    else if (current.role !== undefined) ops.push({ op: 'remove', path: '/role' });
    ops.push({ op: 'replace', path: '/customRoleIds', value: o.customRole ?? [] });
    ops.push({ op: 'replace', path: '/inlineRole', value: o.policy ?? [] });
  }
  if (o.expiresAt === 'never') {
    if (current.expiresAt !== undefined) ops.push({ op: 'remove', path: '/expiresAt' });
  } else if (o.expiresAt !== undefined) ops.push({ op: 'add', path: '/expiresAt', value: o.expiresAt });
  const binding = bindingOf(o);
  if (binding !== undefined && binding.length === 0) {
    if (current.allowedCidrs !== undefined) ops.push({ op: 'remove', path: '/allowedCidrs' });
  } else if (binding !== undefined) ops.push({ op: 'add', path: '/allowedCidrs', value: binding });
  if (ops.length === 0)
    throw new UsageError(
      'nothing to change: give --name, --description, a scope, --expires-at, --allowed-cidr or --any-address',
    );
  // Read, then patched: a change made in between fails the test (409) instead of being overwritten.
  return [{ op: 'test', path: '/lastModified', value: current.lastModified }, ...ops];
}

interface UpdateOptions extends ScopeOptions {
  name?: string;
  description?: string;
  expiresAt?: number | 'never';
  allowedCidr?: string[];
  anyAddress?: boolean;
}

export function registerTokens(program: Command, cli: Cli): void {
  const tokens = program
    .command('tokens')
    .description('Access tokens: create, list, get, update (name, scope, expiry), clone, reset, delete');

  examples(
    tokens
      .command('list')
      .description(
        "List your tokens and the account's service tokens (values are never shown, only their last four)",
      )
      .option('--all', "every member's tokens (showAll=true; admins)")
      .option('--limit <n>', 'at most this many (the API allows 1000)', parseCount, 1000)
      .option('--offset <n>', 'skip this many', parseCount, 0)
      .action(async (o: { all?: boolean; limit: number; offset: number }, command: Command) => {
        const page = await cli.client(command).request<Page<TokenView>>('GET', '/tokens', {
          query: { ...(o.all ? { showAll: 'true' } : {}), limit: o.limit, offset: o.offset },
        });
        cli.emit(command, page, () =>
          page.items.length === 0
            ? 'No tokens.'
            : table(
                ['ID', 'NAME', 'SCOPE', 'MEMBER', 'TOKEN', 'LAST USED', 'EXPIRES'],
                page.items.map((t) => [
                  t._id,
                  t.name,
                  scope(t),
                  t.serviceToken ? '(service)' : (t._member?.email ?? t.memberId),
                  `…${t.token.slice(-4)}`,
                  time(t.lastUsed),
                  time(t.expiresAt),
                ]),
              ) + pageNote(page.items.length, o.offset, page.totalCount),
        );
      }),
    ['tokens list', 'tokens list --all --json'],
  );

  examples(
    tokens
      .command('get')
      .description('Show one token (its value is never shown again, only its last four characters)')
      .argument('<id>', 'the token id')
      .action(async (id: string, _o: unknown, command: Command) => {
        const token = await cli
          .client(command)
          .request<TokenView>('GET', `/tokens/${encodeURIComponent(id)}`);
        cli.emit(command, token, () => summary(token));
      }),
    ['tokens get 5f0c…', 'tokens get 5f0c… --json'],
  );

  examples(
    scopeOptions(
      tokens
        .command('create')
        .description('Create a token and print its value, this once')
        .requiredOption('--name <name>', 'its name (1-256 characters)'),
    )
      .option('--description <text>', 'what it is for')
      .option('--service', 'a service token: belongs to the account, outlives its creator (admins)')
      .option(
        '--expires-at <time>',
        'when it stops working: 90m, 24h, 30d, an ISO date, or epoch ms',
        parseTime,
      )
      .addOption(allowedCidrOption())
      .action(
        async (
          o: ScopeOptions & {
            name: string;
            description?: string;
            service?: boolean;
            expiresAt?: number;
            allowedCidr?: string[];
          },
          command: Command,
        ) => {
          const body = {
            name: o.name,
            ...(o.description !== undefined ? { description: o.description } : {}),
            ...scopeBody(o),
            ...(o.service ? { serviceToken: true } : {}),
            ...(o.expiresAt !== undefined ? { expiresAt: o.expiresAt } : {}),
            ...(o.allowedCidr !== undefined ? { allowedCidrs: o.allowedCidr } : {}),
          };
          const created = await cli.client(command).request<TokenView>('POST', '/tokens', { body });
          cli.emit(command, created, () => withValue('Created', created));
        },
      ),
    [
      'tokens create --name ci-reader --role reader',
      'tokens create --name deploys --custom-role deployer --expires-at 30d',
      `tokens create --name web-only --policy '[{"effect":"allow","actions":["viewProject"],"resources":["proj/web"]}]'`,
      'tokens create --name ci --role writer --json | jq -r .token',
      'tokens create --name office --role reader --allowed-cidr 203.0.113.0/24 --allowed-cidr 2001:db8::/32',
    ],
  );

  examples(
    scopeOptions(
      tokens
        .command('update')
        .description(
          'Change a token: its name, description, scope (role, custom roles or inline policy) or expiry',
        )
        .argument('<id>', 'the token id')
        .option('--name <name>', 'a new name')
        .option('--description <text>', 'a new description'),
    )
      .option(
        '--expires-at <time>',
        'a new expiry (90m, 24h, 30d, ISO date, epoch ms) or "never"',
        parseExpiry,
      )
      .addOption(allowedCidrOption())
      .option('--any-address', 'unbind it: usable from any address again')
      .action(async (id: string, o: UpdateOptions, command: Command) => {
        const client = cli.client(command);
        const path = `/tokens/${encodeURIComponent(id)}`;
        const current = await client.request<TokenView>('GET', path);
        const updated = await client.request<TokenView>('PATCH', path, { body: tokenPatch(current, o) });
        cli.emit(command, updated, () => `Updated.\n${summary(updated)}`);
      }),
    [
      'tokens update 5f0c… --role writer',
      'tokens update 5f0c… --custom-role deployer --custom-role auditor',
      'tokens update 5f0c… --policy @policy.json',
      'tokens update 5f0c… --name nightly-ci --expires-at never',
      'tokens update 5f0c… --allowed-cidr 10.0.0.0/8',
      'tokens update 5f0c… --any-address',
    ],
  );

  examples(
    tokens
      .command('clone')
      .description('A new token with the same scope and a new value, printed this once')
      .argument('<id>', 'the token to copy')
      .requiredOption('--name <name>', "the new token's name")
      .option('--description <text>', "the new token's description")
      .addOption(allowedCidrOption())
      .option('--any-address', "usable from any address (default: the source's IP binding)")
      .action(
        async (
          id: string,
          o: { name: string; description?: string; allowedCidr?: string[]; anyAddress?: boolean },
          command: Command,
        ) => {
          const binding = bindingOf(o);
          const body = {
            name: o.name,
            ...(o.description !== undefined ? { description: o.description } : {}),
            ...(binding !== undefined ? { allowedCidrs: binding } : {}),
          };
          const clone = await cli
            .client(command)
            .request<TokenView>('POST', `/tokens/${encodeURIComponent(id)}/clone`, { body });
          cli.emit(command, clone, () => withValue('Cloned into', clone));
        },
      ),
    ['tokens clone 5f0c… --name ci-reader-2', 'tokens clone 5f0c… --name elsewhere --any-address'],
  );

  examples(
    tokens
      .command('reset')
      .description('Give a token a new value, printed this once; the old value stops working at --expiry')
      .argument('<id>', 'the token id')
      .option(
        '--expiry <time>',
        'when the old value stops working: 1h, 24h, 7d, ISO date, epoch ms (default: now)',
        parseTime,
      )
      .action(async (id: string, o: { expiry?: number }, command: Command) => {
        const reset = await cli
          .client(command)
          .request<TokenView>('POST', `/tokens/${encodeURIComponent(id)}/reset`, {
            query: { expiry: o.expiry },
          });
        cli.emit(command, reset, () => withValue('Reset', reset));
      }),
    ['tokens reset 5f0c…', 'tokens reset 5f0c… --expiry 24h'],
  );

  examples(
    tokens
      .command('delete')
      .description('Delete a token: from then on it gets 401')
      .argument('<id>', 'the token id')
      .option('-y, --yes', 'do not ask for confirmation on a terminal')
      .action(async (id: string, o: { yes?: boolean }, command: Command) => {
        if (!(await cli.confirm(`Delete token ${id}? Calls with it will get 401.`, o.yes)))
          return cli.err('Nothing deleted.');
        await cli.client(command).request('DELETE', `/tokens/${encodeURIComponent(id)}`);
        if (!cli.globals(command).json) cli.out(`Deleted token ${id}.`);
      }),
    ['tokens delete 5f0c… --yes'],
  );

  examples(
    tokens
      .command('report-leaked')
      .description(
        'Report leaked token values (no credentials needed): every live one is revoked. The API answers the same whatever matched',
      )
      .argument('[value...]', 'the values found (none: read them from stdin, whitespace-separated)')
      .action(async (given: string[], _o: unknown, command: Command) => {
        const values = given.length > 0 ? given : await valuesFromStdin(cli.io.stdin);
        if (values.length === 0)
          throw new UsageError('no values to report: give them as arguments or on stdin');
        // The values are secrets: nothing this command writes may hold one.
        for (const value of values) cli.protect(value);
        const client = cli.client(command);
        let answer: unknown;
        for (let i = 0; i < values.length; i += MAX_REPORTED_VALUES) {
          answer = await client.request('POST', '/tokens/leaked', {
            anonymous: true,
            body: { tokens: values.slice(i, i + MAX_REPORTED_VALUES) },
          });
        }
        const reports = Math.ceil(values.length / MAX_REPORTED_VALUES);
        cli.emit(
          command,
          answer,
          () =>
            `Reported ${values.length} value(s) in ${reports} report(s): every live access token among them is revoked.`,
        );
      }),
    [
      'tokens report-leaked atk_…',
      'grep -oE "\\batk_[0-9A-Za-z]{39}\\b" build.log | access-tokens tokens report-leaked',
    ],
  );
}
