import type { Command } from 'commander';
import type { CallerIdentityView, MemberView } from '../../shared/http/views.js';
import { ApiClient, normalizeUrl } from '../client.js';
import { type Cli, DEFAULT_URL, ENV } from '../context.js';
import { UsageError } from '../errors.js';
import { table } from '../format.js';
import { checkProfileName } from '../profiles.js';
import { examples } from './help.js';

/** `Owner token: atk_…` (a line of npm start's output) or the bare token. */
export function tokenFromLine(line: string): string {
  return (/Owner token:\s*(\S+)/.exec(line)?.[1] ?? line).trim();
}

/** The token to save: --token, ACCESS_TOKENS_TOKEN, or typed (hidden) or piped in. */
export async function tokenToSave(cli: Cli, command: Command, prompt: string): Promise<string> {
  const given = cli.globals(command).token ?? cli.io.env[ENV.token];
  const token = given ?? tokenFromLine(await cli.readSecret(prompt));
  if (token === '') throw new UsageError('no token given: type or pipe it in, or pass --token');
  cli.protect(token);
  return token;
}

/**
 * Checks a token against a deployment (`GET /caller-identity`; a 401 saves nothing) and saves the
 * pair as a profile, made current.
 */
export async function saveProfile(
  cli: Cli,
  command: Command,
  name: string,
  url: string,
  token: string,
): Promise<void> {
  const { verbose } = cli.globals(command);
  const client = new ApiClient({
    baseUrl: url,
    token,
    missingTokenHint: '',
    ...(verbose ? { trace: (line: string) => cli.err(line) } : {}),
  });
  const identity = await client.request<CallerIdentityView>('GET', '/caller-identity');
  // The member's e-mail makes the message clearer; a token without viewMember still saves.
  const email = await client
    .request<MemberView>('GET', '/members/me')
    .then((m) => m.email)
    .catch(() => undefined);
  const file = cli.readProfiles();
  cli.profiles.write({ current: name, profiles: { ...file.profiles, [name]: { url, token } } });
  cli.emit(command, { profile: name, url, file: cli.profiles.path, identity }, () =>
    [
      `Token "${identity.tokenName}" (${identity.role}${email ? ` of ${email}` : ''}) works at ${url}.`,
      `Saved as profile "${name}" in ${cli.profiles.path} (readable by you only); it is now the current profile.`,
      'Try: access-tokens whoami',
    ].join('\n'),
  );
}

export function registerProfile(program: Command, cli: Cli): void {
  const profile = program
    .command('profile')
    .description(`Saved deployments and tokens (${'$'}XDG_CONFIG_HOME/access-tokens/config.json, mode 600)`);

  examples(
    profile
      .command('list')
      .description('List saved profiles (never their tokens)')
      .action((_o: unknown, command: Command) => {
        const file = cli.readProfiles();
        const entries = Object.entries(file.profiles);
        const raw = {
          file: cli.profiles.path,
          current: file.current ?? null,
          profiles: Object.fromEntries(
            entries.map(([n, p]) => [n, { url: p.url, hasToken: p.token !== undefined }]),
          ),
        };
        cli.emit(command, raw, () =>
          entries.length === 0
            ? `No profiles in ${cli.profiles.path}. Save one: access-tokens bootstrap local`
            : table(
                ['', 'NAME', 'URL', 'TOKEN'],
                entries.map(([n, p]) => [
                  n === file.current ? '*' : '',
                  n,
                  p.url,
                  p.token ? 'saved' : 'none',
                ]),
              ),
        );
      }),
    ['profile list'],
  );

  examples(
    profile
      .command('save')
      .description(
        'Check a token against a deployment and save both as a profile (token typed, piped, --token or ACCESS_TOKENS_TOKEN)',
      )
      .argument('<name>', 'the profile name')
      .action(async (name: string, _o: unknown, command: Command) => {
        checkProfileName(name);
        const url = normalizeUrl(cli.globals(command).url ?? cli.io.env[ENV.url] ?? DEFAULT_URL);
        const token = await tokenToSave(cli, command, `Token for ${url}: `);
        await saveProfile(cli, command, name, url, token);
      }),
    [
      'profile save staging --url https://abc123.execute-api.eu-west-1.amazonaws.com/staging',
      'profile save ci < token.txt',
    ],
  );

  examples(
    profile
      .command('use')
      .description('Make a profile the current one')
      .argument('<name>', 'the profile name')
      .action((name: string, _o: unknown, command: Command) => {
        const file = cli.readProfiles();
        if (file.profiles[name] === undefined)
          throw new UsageError(`no profile "${name}" in ${cli.profiles.path}`);
        cli.profiles.write({ ...file, current: name });
        if (!cli.globals(command).json) cli.out(`Using profile "${name}" (${file.profiles[name].url}).`);
      }),
    ['profile use local'],
  );

  examples(
    profile
      .command('remove')
      .description(
        'Forget a profile and its token (the token itself keeps working: delete it with tokens delete)',
      )
      .argument('<name>', 'the profile name')
      .action((name: string, _o: unknown, command: Command) => {
        const file = cli.readProfiles();
        if (file.profiles[name] === undefined)
          throw new UsageError(`no profile "${name}" in ${cli.profiles.path}`);
        const { [name]: _removed, ...rest } = file.profiles;
        cli.profiles.write({
          ...(file.current !== name && file.current ? { current: file.current } : {}),
          profiles: rest,
        });
        if (!cli.globals(command).json) cli.out(`Removed profile "${name}".`);
      }),
    ['profile remove staging'],
  );
}
