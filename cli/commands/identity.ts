import type { Command } from 'commander';
import type { CallerIdentityView } from '../../shared/http/views.js';
import type { Cli } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { details } from '../format.js';
import { examples } from './help.js';

const SHOWN = new Set([
  'accountId',
  'memberId',
  'tokenId',
  'tokenName',
  'tokenKind',
  'role',
  'serviceToken',
  'authKind',
  'memberRole',
  'memberCustomRoles',
]);

/** The member's current role and custom roles (absent for service tokens, which have no member). */
function memberNow(identity: Record<string, unknown>): [string, string][] {
  if (typeof identity.memberRole !== 'string') return [];
  const custom = Array.isArray(identity.memberCustomRoles) ? identity.memberCustomRoles.map(String) : [];
  return [
    ['Member now', custom.length > 0 ? `${identity.memberRole} + ${custom.join(', ')}` : identity.memberRole],
  ];
}

interface CheckAnswer {
  readonly allowed: boolean;
  readonly reason: string;
  readonly deniedBy?: 'token' | 'member';
}

export function registerIdentity(program: Command, cli: Cli): void {
  examples(
    program
      .command('whoami')
      .description('Show the calling token: account, member, token, scope, and where the CLI found them')
      .action(async (_o: unknown, command: Command) => {
        const endpoint = cli.endpoint(command);
        const identity = await cli
          .client(command, endpoint)
          .request<CallerIdentityView & Record<string, unknown>>('GET', '/caller-identity');
        // Fields the API adds later are shown as they come.
        const others = Object.entries(identity)
          .filter(([key, value]) => !SHOWN.has(key) && ['string', 'number', 'boolean'].includes(typeof value))
          .map(([key, value]) => [key, String(value)] as const);
        cli.emit(command, identity, () =>
          details([
            ['Account', identity.accountId],
            ['Member', identity.memberId],
            ['Token', `"${identity.tokenName}" (${identity.tokenId}, ${identity.tokenKind})`],
            ['Scope', identity.role],
            // What the member may do now: the token does no more than this, whatever its scope.
            ...memberNow(identity),
            ...others,
            ['Endpoint', `${endpoint.url} (from ${endpoint.urlSource})`],
            ['Credentials', `token from ${endpoint.tokenSource}`],
          ]),
        );
      }),
    ['whoami', 'whoami --profile prod --json'],
  );

  examples(
    program
      .command('check')
      .description(
        'Ask whether the calling token may take an action on a resource right now (exit 0: allowed, 6: denied)',
      )
      .argument('<action>', 'a policy action, e.g. viewProject, createAccessToken, updateOn')
      .argument('<resource>', 'a resource, e.g. proj/web:env/production:flag/beta, member/me:token/*')
      .action(async (action: string, resource: string, _o: unknown, command: Command) => {
        const answer = await cli
          .client(command)
          .request<CheckAnswer>('POST', '/caller-identity/check', { body: { action, resource } });
        if (!answer.allowed) cli.exitCode = EXIT.denied;
        cli.emit(command, answer, () =>
          answer.allowed
            ? `allowed\n  ${answer.reason}`
            : `denied${answer.deniedBy ? ` by the ${answer.deniedBy === 'token' ? "token's scope" : 'member'}` : ''}\n  ${answer.reason}`,
        );
      }),
    ['check viewProject proj/web', 'check updateOn proj/web:env/production:flag/beta && echo may toggle'],
  );
}
