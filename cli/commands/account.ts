import { type Command, InvalidArgumentError } from 'commander';
import type { TokenPolicyView } from '../../shared/schemas/token-policy.js';
import type { Cli } from '../context.js';
import { details, table, time } from '../format.js';
import { examples } from './help.js';

type PolicyFields = Pick<
  TokenPolicyView,
  'maxLifetimeDays' | 'requireExpiry' | 'inactivityDays' | 'serviceTokensAllowed'
>;

/**
 * A number of days, or `none` (no limit). `none` stays a word until the body is built: Commander
 * stores a parser's null as '' (which the API would refuse).
 */
function parseDays(text: string): number | 'none' {
  if (text === 'none') return 'none';
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1)
    throw new InvalidArgumentError('a whole number of days, or "none"');
  return days;
}

function parseBoolean(text: string): boolean {
  if (text === 'true' || text === 'yes') return true;
  if (text === 'false' || text === 'no') return false;
  throw new InvalidArgumentError('"true" or "false"');
}

const days = (n: number | null) => (n === null ? 'no limit' : `${n} day${n === 1 ? '' : 's'}`);

function describe(policy: TokenPolicyView): string {
  const summary = details([
    ['Max lifetime', days(policy.maxLifetimeDays)],
    ['Expiry required', policy.requireExpiry ? 'yes' : 'no'],
    ['Inactivity limit', days(policy.inactivityDays)],
    ['Service tokens', policy.serviceTokensAllowed ? 'allowed' : 'not allowed'],
    ['Last changed', policy.lastModified !== undefined ? time(policy.lastModified) : 'never'],
  ]);
  const { items, totalCount } = policy.violations;
  if (totalCount === 0) return `${summary}\n\nNo token breaks it.`;
  const rows = items.map((v) => [v.tokenId, v.name, v.memberId, v.rule]);
  return `${summary}\n\n${totalCount} violation(s) (tokens keep working until fixed):\n${table(['Token', 'Name', 'Member', 'Rule'], rows)}`;
}

/** A days option as the body has it: unchanged when not given, null for `none`. */
const daysOrCurrent = (given: number | 'none' | undefined, current: number | null) =>
  given === undefined ? current : given === 'none' ? null : given;

interface SetOptions {
  maxLifetimeDays?: number | 'none';
  requireExpiry?: boolean;
  inactivityDays?: number | 'none';
  serviceTokens?: boolean;
}

/** `account token-policy get|set`: the account's token policy (API.md "Token lifecycle"). */
export function registerAccount(program: Command, cli: Cli): void {
  const account = program.command('account').description("The account's settings: its token policy");
  const policy = account
    .command('token-policy')
    .description(
      'Lifetime cap, required expiry, inactivity limit, service tokens; and the tokens breaking it',
    );

  examples(
    policy
      .command('get')
      .description('Show the policy and the tokens that break it')
      .action(async (_o: unknown, command: Command) => {
        const answer = await cli
          .client(command)
          .request<TokenPolicyView>('GET', '/account/token-policy', { query: { limit: '100' } });
        cli.emit(command, answer, () => describe(answer));
      }),
    ['account token-policy get', 'account token-policy get --json'],
  );

  examples(
    policy
      .command('set')
      .description('Change the policy (admins and the owner); what is not given stays as it is')
      .option('--max-lifetime-days <days>', 'at most this many days to expiry, or "none"', parseDays)
      .option('--require-expiry <bool>', 'every token must expire: true or false', parseBoolean)
      .option('--inactivity-days <days>', 'revoke tokens unused this long, or "none"', parseDays)
      .option('--service-tokens <bool>', 'whether service tokens are allowed: true or false', parseBoolean)
      .action(async (o: SetOptions, command: Command) => {
        const client = cli.client(command);
        const current = await client.request<TokenPolicyView>('GET', '/account/token-policy');
        const body: PolicyFields = {
          maxLifetimeDays: daysOrCurrent(o.maxLifetimeDays, current.maxLifetimeDays),
          requireExpiry: o.requireExpiry ?? current.requireExpiry,
          inactivityDays: daysOrCurrent(o.inactivityDays, current.inactivityDays),
          serviceTokensAllowed: o.serviceTokens ?? current.serviceTokensAllowed,
        };
        const answer = await client.request<TokenPolicyView>('PUT', '/account/token-policy', {
          body,
          query: { limit: '100' },
        });
        cli.emit(command, answer, () => describe(answer));
      }),
    [
      'account token-policy set --max-lifetime-days 90 --require-expiry true',
      'account token-policy set --inactivity-days 30 --service-tokens false',
      'account token-policy set --max-lifetime-days none',
    ],
  );
}
