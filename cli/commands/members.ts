import { Argument, type Command, Option } from 'commander';
import type { MemberView, TokenView } from '../../shared/http/views.js';
import type { Cli } from '../context.js';
import { details, pageNote, table, time } from '../format.js';
import { collect, parseCount } from '../parse.js';
import { examples, type Page } from './help.js';

const MEMBER_ROLES = ['no_access', 'reader', 'writer', 'admin', 'owner'];

const roleOf = (m: MemberView) => (m.customRoles.length > 0 ? `custom: ${m.customRoles.join(', ')}` : m.role);
const nameOf = (m: MemberView) => [m.firstName, m.lastName].filter(Boolean).join(' ') || undefined;

function summary(m: MemberView): string {
  return details([
    ['ID', m._id],
    ['Email', m.email],
    ['Name', nameOf(m)],
    ['Role', m.role],
    ['Custom roles', m.customRoles.length > 0 ? m.customRoles.join(', ') : undefined],
    ['Status', m._pendingInvite ? 'invited (pending)' : 'active'],
    ['Last seen', time(m._lastSeen)],
    ['Created', time(m.creationDate)],
  ]);
}

const memberPath = (id: string) => `/members/${encodeURIComponent(id)}`;

export function registerMembers(program: Command, cli: Cli): void {
  const members = program
    .command('members')
    .description("The account's members: invite, accept an invitation, list, change roles, remove");

  examples(
    members
      .command('list')
      .description('List members')
      .option(
        '--filter <filter>',
        'LaunchDarkly\'s filter: query:<text>, role:<role|key>|…, lastSeen:{"never":true}',
      )
      .option('--limit <n>', 'at most this many (the API allows 1000)', parseCount, 1000)
      .option('--offset <n>', 'skip this many', parseCount, 0)
      .action(async (o: { filter?: string; limit: number; offset: number }, command: Command) => {
        const page = await cli.client(command).request<Page<MemberView>>('GET', '/members', {
          query: { filter: o.filter, limit: o.limit, offset: o.offset },
        });
        cli.emit(command, page, () =>
          page.items.length === 0
            ? 'No members.'
            : table(
                ['ID', 'EMAIL', 'ROLE', 'STATUS', 'LAST SEEN'],
                page.items.map((m) => [
                  m._id,
                  m.email,
                  roleOf(m),
                  m._pendingInvite ? 'invited' : 'active',
                  time(m._lastSeen),
                ]),
              ) + pageNote(page.items.length, o.offset, page.totalCount),
        );
      }),
    ['members list', 'members list --filter role:admin --json'],
  );

  examples(
    members
      .command('get')
      .description('Show one member ("me" is the caller\'s own)')
      .argument('<id>', 'the member id, or "me"')
      .action(async (id: string, _o: unknown, command: Command) => {
        const member = await cli.client(command).request<MemberView>('GET', memberPath(id));
        cli.emit(command, member, () => summary(member));
      }),
    ['members get me'],
  );

  examples(
    members
      .command('invite')
      .description(
        'Invite members by e-mail; prints each invitation code, this once (valid 7 days, single use)',
      )
      .argument('<email...>', 'one or more e-mail addresses (at most 25)')
      .addOption(new Option('--role <role>', 'their role').choices(MEMBER_ROLES))
      .option('--custom-role <key>', 'a custom role to give them (repeat for several)', collect)
      .action(async (emails: string[], o: { role?: string; customRole?: string[] }, command: Command) => {
        const body = emails.map((email) => ({
          email,
          ...(o.role !== undefined ? { role: o.role } : {}),
          ...(o.customRole !== undefined ? { customRoles: o.customRole } : {}),
        }));
        const invited = await cli.client(command).request<Page<MemberView>>('POST', '/members', { body });
        cli.emit(
          command,
          invited,
          () =>
            `${table(
              ['EMAIL', 'ID', 'ROLE', 'INVITATION CODE'],
              invited.items.map((m) => [m.email, m._id, roleOf(m), m._inviteCode ?? '']),
            )}\nEach code is shown this once, works once and for 7 days: the member runs\n  access-tokens members accept <code>`,
        );
      }),
    [
      'members invite ana@example.com --role writer',
      'members invite a@example.com b@example.com --custom-role deployer',
    ],
  );

  examples(
    members
      .command('accept')
      .description("Accept an invitation (no token needed): prints the member's first token, this once")
      .argument('<code>', 'the invitation code (ati_…)')
      .option('--token-name <name>', "the first token's name")
      .action(async (code: string, o: { tokenName?: string }, command: Command) => {
        cli.protect(code);
        const body = { code, ...(o.tokenName !== undefined ? { tokenName: o.tokenName } : {}) };
        const endpoint = cli.endpoint(command);
        const accepted = await cli
          .client(command, endpoint)
          .request<{ member: MemberView; token: TokenView }>('POST', '/invitations/accept', {
            body,
            anonymous: true,
          });
        cli.emit(
          command,
          accepted,
          () => `Welcome, ${accepted.member.email} (${roleOf(accepted.member)}). Your first token, "${accepted.token.name}", is shown this once; keep it:
${accepted.token.token}
To use it from here on: access-tokens profile save <name> --url ${endpoint.url} (paste it when asked).`,
        );
      }),
    ['members accept ati_…', 'members accept ati_… --token-name laptop --json'],
  );

  examples(
    members
      .command('role')
      .description("Change a member's built-in role")
      .argument('<id>', 'the member id')
      .addArgument(new Argument('<role>', 'the new role').choices(MEMBER_ROLES))
      .action(async (id: string, role: string, _o: unknown, command: Command) => {
        const member = await cli.client(command).request<MemberView>('PATCH', memberPath(id), {
          body: [{ op: 'replace', path: '/role', value: role }],
        });
        cli.emit(command, member, () => `Updated.\n${summary(member)}`);
      }),
    ['members role 64a1… writer'],
  );

  examples(
    members
      .command('custom-roles')
      .description("Set a member's custom roles (none: clear them, so their built-in role applies again)")
      .argument('<id>', 'the member id')
      .argument('[keys...]', 'custom role keys')
      .action(async (id: string, keys: string[], _o: unknown, command: Command) => {
        const member = await cli.client(command).request<MemberView>('PATCH', memberPath(id), {
          body: [{ op: 'replace', path: '/customRoles', value: keys }],
        });
        cli.emit(command, member, () => `Updated.\n${summary(member)}`);
      }),
    ['members custom-roles 64a1… deployer auditor', 'members custom-roles 64a1…'],
  );

  examples(
    members
      .command('remove')
      .description('Remove a member: every personal token of theirs gets 401 at once')
      .argument('<id>', 'the member id')
      .option('-y, --yes', 'do not ask for confirmation on a terminal')
      .action(async (id: string, o: { yes?: boolean }, command: Command) => {
        if (!(await cli.confirm(`Remove member ${id}? Their tokens stop working at once.`, o.yes)))
          return cli.err('Nothing removed.');
        await cli.client(command).request('DELETE', memberPath(id));
        if (!cli.globals(command).json) cli.out(`Removed member ${id}.`);
      }),
    ['members remove 64a1… --yes'],
  );
}
