import { type Command, Option } from 'commander';
import type { RoleView } from '../../shared/http/views.js';
import type { Cli } from '../context.js';
import { UsageError } from '../errors.js';
import { details, table, time } from '../format.js';
import { parsePolicy } from '../parse.js';
import { examples, type Page } from './help.js';

const BASES = ['reader', 'no_access'];

function summary(r: RoleView): string {
  return details([
    ['Key', r.key],
    ['Name', r.name],
    ['Description', r.description],
    ['Base permissions', r.basePermissions],
    ['Created', time(r.creationDate)],
    ['Last modified', time(r.lastModified)],
    ['Policy', JSON.stringify(r.policy, null, 2).replace(/\n/g, '\n  ')],
  ]);
}

const rolePath = (key: string) => `/roles/${encodeURIComponent(key)}`;

export function registerRoles(program: Command, cli: Cli): void {
  const roles = program
    .command('roles')
    .description('Custom roles: policies members and tokens can be given by key');

  examples(
    roles
      .command('list')
      .description('List custom roles')
      .action(async (_o: unknown, command: Command) => {
        const page = await cli
          .client(command)
          .request<Page<RoleView>>('GET', '/roles', { query: { limit: 1000 } });
        cli.emit(command, page, () =>
          page.items.length === 0
            ? 'No custom roles.'
            : table(
                ['KEY', 'NAME', 'BASE', 'STATEMENTS', 'DESCRIPTION'],
                page.items.map((r) => [
                  r.key,
                  r.name,
                  r.basePermissions,
                  String(r.policy.length),
                  r.description ?? '',
                ]),
              ),
        );
      }),
    ['roles list', 'roles list --json'],
  );

  examples(
    roles
      .command('get')
      .description('Show one custom role and its policy')
      .argument('<key>', 'the role key')
      .action(async (key: string, _o: unknown, command: Command) => {
        const role = await cli.client(command).request<RoleView>('GET', rolePath(key));
        cli.emit(command, role, () => summary(role));
      }),
    ['roles get deployer'],
  );

  examples(
    roles
      .command('create')
      .description('Create a custom role')
      .argument('<key>', 'its key (letters, digits, ".", "_", "-")')
      .requiredOption('--name <name>', 'its name')
      .requiredOption(
        '--policy <json|@file>',
        'its policy: JSON statements, or @file holding them',
        parsePolicy,
      )
      .option('--description <text>', 'what it is for')
      .addOption(
        new Option('--base-permissions <base>', 'what it starts from (default reader)').choices(BASES),
      )
      .action(
        async (
          key: string,
          o: { name: string; policy: unknown[]; description?: string; basePermissions?: string },
          command: Command,
        ) => {
          const body = {
            key,
            name: o.name,
            ...(o.description !== undefined ? { description: o.description } : {}),
            policy: o.policy,
            ...(o.basePermissions !== undefined ? { basePermissions: o.basePermissions } : {}),
          };
          const role = await cli.client(command).request<RoleView>('POST', '/roles', { body });
          cli.emit(command, role, () => `Created.\n${summary(role)}`);
        },
      ),
    [
      `roles create deployer --name Deployer --policy '[{"effect":"allow","actions":["updateOn"],"resources":["proj/*:env/production:flag/*"]}]'`,
      'roles create auditor --name Auditor --policy @auditor.json --base-permissions no_access',
    ],
  );

  examples(
    roles
      .command('update')
      .description("Change a custom role's name, description, policy or base permissions")
      .argument('<key>', 'the role key')
      .option('--name <name>', 'a new name')
      .option('--description <text>', 'a new description')
      .option('--policy <json|@file>', 'a new policy (replaces the whole policy)', parsePolicy)
      .addOption(new Option('--base-permissions <base>', 'new base permissions').choices(BASES))
      .action(
        async (
          key: string,
          o: { name?: string; description?: string; policy?: unknown[]; basePermissions?: string },
          command: Command,
        ) => {
          const ops = [
            ...(o.name !== undefined ? [{ op: 'replace', path: '/name', value: o.name }] : []),
            ...(o.description !== undefined
              ? [{ op: 'add', path: '/description', value: o.description }]
              : []),
            ...(o.policy !== undefined ? [{ op: 'replace', path: '/policy', value: o.policy }] : []),
            ...(o.basePermissions !== undefined
              ? [{ op: 'replace', path: '/basePermissions', value: o.basePermissions }]
              : []),
          ];
          if (ops.length === 0)
            throw new UsageError(
              'nothing to change: give --name, --description, --policy or --base-permissions',
            );
          const role = await cli.client(command).request<RoleView>('PATCH', rolePath(key), { body: ops });
          cli.emit(command, role, () => `Updated.\n${summary(role)}`);
        },
      ),
    ['roles update deployer --policy @deployer.json', 'roles update deployer --name "Production deployer"'],
  );

  examples(
    roles
      .command('delete')
      .description('Delete a custom role (refused while a member or token has it)')
      .argument('<key>', 'the role key')
      .option('-y, --yes', 'do not ask for confirmation on a terminal')
      .action(async (key: string, o: { yes?: boolean }, command: Command) => {
        if (!(await cli.confirm(`Delete custom role ${key}?`, o.yes))) return cli.err('Nothing deleted.');
        await cli.client(command).request('DELETE', rolePath(key));
        if (!cli.globals(command).json) cli.out(`Deleted custom role ${key}.`);
      }),
    ['roles delete deployer --yes'],
  );
}
