import { Command, CommanderError } from 'commander';
import { registerAccount } from './commands/account.js';
import { registerAudit } from './commands/audit.js';
import { registerBootstrap } from './commands/bootstrap.js';
import { registerEvents } from './commands/events.js';
import { registerIdentity } from './commands/identity.js';
import { registerMembers } from './commands/members.js';
import { registerProfile } from './commands/profile.js';
import { registerRoles } from './commands/roles.js';
import { registerTokens } from './commands/tokens.js';
import { Cli, DEFAULT_URL, ENV, type Io } from './context.js';
import { ApiError, CliError } from './errors.js';
import { EXIT } from './exit-codes.js';

const EXIT_CODES = `
Settings: --url, then ${ENV.url}, then the profile's URL, then ${DEFAULT_URL}.
Token: --token, then ${ENV.token}, then the profile's token (sent only to the profile's own URL).
Profile: --profile, then ${ENV.profile}, then the current one (profile use).

Exit status: 0 ok; 1 usage (bad arguments, unknown profile); 2 the API refused the request (400, 404, 409);
3 no token, or 401; 4 forbidden (403); 5 unreachable, timeout, 429 or 5xx; 6 check: denied.`;

/**
 * The whole command tree, built for one run (commander keeps parsed values on the commands).
 * Every command inherits the output, the error handling and the global options from here, so
 * they are set before any command is added.
 */
export function buildProgram(cli: Cli): Command {
  const program = new Command('access-tokens')
    .description('Scoped, revocable personal API access tokens: the API from the command line')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (text) => cli.io.stdout(cli.redact(text)),
      writeErr: (text) => cli.io.stderr(cli.redact(text)),
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .option('--url <url>', `the deployment's base URL (env ${ENV.url}; default ${DEFAULT_URL})`)
    .option(
      '--token <token>',
      `the access token (env ${ENV.token}; prefer it or a profile: flags show in ps and history)`,
    )
    .option('--profile <name>', `a saved profile (env ${ENV.profile}; default: the current one)`)
    .option('--json', "print the API's JSON representation (for scripts)")
    .option('--verbose', 'print each request (method, URL, status, time; never a token) to stderr')
    .addHelpText('after', EXIT_CODES);
  registerBootstrap(program, cli);
  registerIdentity(program, cli);
  registerTokens(program, cli);
  registerMembers(program, cli);
  registerRoles(program, cli);
  registerEvents(program, cli);
  registerAudit(program, cli);
  registerAccount(program, cli);
  registerProfile(program, cli);
  return program;
}

/** Runs the CLI on arguments (without node and the script) and answers the exit status. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const cli = new Cli(io);
  const program = buildProgram(cli);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return cli.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const json = argv.includes('--json');
    if (error instanceof ApiError) {
      cli.err(json ? JSON.stringify({ status: error.status, ...error.body }) : `error: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      cli.err(
        json ? JSON.stringify({ code: 'cli_error', message: error.message }) : `error: ${error.message}`,
      );
      return error.exitCode;
    }
    cli.err(`error: ${(error as Error).stack ?? String(error)}`);
    return EXIT.usage;
  }
}
