import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { normalizeUrl } from '../client.js';
import { type Cli, DEFAULT_URL, ENV } from '../context.js';
import { CliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { checkProfileName } from '../profiles.js';
import { examples } from './help.js';
import { saveProfile, tokenToSave } from './profile.js';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
/** The deployment bootstrap that `npm run bootstrap` runs: one implementation, run as it is. */
const BOOTSTRAP_SCRIPT = fileURLToPath(new URL('../../infra/bootstrap.ts', import.meta.url));

/** The stateless stack's API URL output (`ApiUrl`, nested under the construct: `ServiceApiUrlB2853E42`). */
async function apiUrlOfStage(stage: string): Promise<string> {
  const stackName = `AccessTokens-${stage}-Stateless`;
  // Loaded here only: the SDK costs a quarter of a second that no other command should pay.
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const { Stacks } = await new CloudFormationClient({}).send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    throw new CliError(
      `could not read stack ${stackName}: ${(error as Error).message}. Deploy it first (npx cdk deploy --all -c stage=${stage}), or pass --url <its ApiUrl output>.`,
      EXIT.unavailable,
    );
  }
  const url = outputs.find((o) => /ApiUrl(?:[0-9A-F]{8})?$/.test(o.OutputKey ?? ''))?.OutputValue;
  if (url === undefined)
    throw new CliError(
      `stack ${stackName} has no ApiUrl output; pass --url <the API's base URL>`,
      EXIT.unavailable,
    );
  return url;
}

/** Runs infra/bootstrap.ts with the deployer's AWS credentials; its stdout, or its error. */
function runBootstrapScript(cli: Cli, args: readonly string[]): Promise<string> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const env = Object.fromEntries(
    Object.entries(cli.io.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const child = spawn(process.execPath, ['--import', tsx, BOOTSTRAP_SCRIPT, ...args], {
    cwd: REPOSITORY,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(new CliError(`could not run ${BOOTSTRAP_SCRIPT}: ${error.message}`, EXIT.unavailable)),
    );
    child.once('close', (code) => {
      if (code === 0) return resolve(stdout);
      const why = stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit status ${code}`;
      reject(new CliError(why.replace(/^bootstrap( failed)?: /, 'bootstrap failed: '), EXIT.unavailable));
    });
  });
}

export function registerBootstrap(program: Command, cli: Cli): void {
  const bootstrap = program
    .command('bootstrap')
    .description('Set the CLI up against a deployment: the local stack, or a fresh deployment on AWS');

  examples(
    bootstrap
      .command('local')
      .description(
        'Save the local stack (npm start) and its owner token as the profile "local" (or --profile), and make it current. The token is read from --token, ACCESS_TOKENS_TOKEN, or typed (hidden) or piped in: the "Owner token: atk_…" line npm start printed on its first start',
      )
      .action(async (_o: unknown, command: Command) => {
        const g = cli.globals(command);
        const name = checkProfileName(g.profile ?? 'local');
        const url = normalizeUrl(g.url ?? cli.io.env[ENV.url] ?? DEFAULT_URL);
        const token = await tokenToSave(
          cli,
          command,
          'Owner token (the "Owner token: atk_…" line npm start printed): ',
        );
        await saveProfile(cli, command, name, url, token);
      }),
    [
      'bootstrap local',
      'grep "Owner token" start.log | access-tokens bootstrap local',
      'bootstrap local --url http://localhost:4000 --profile local-4000',
    ],
  );

  examples(
    bootstrap
      .command('aws')
      .description(
        "Create a deployment's account and owner (npm run bootstrap, with your AWS credentials), print the owner token once, and save it as a profile named after the stage (or --profile) with the stack's ApiUrl (or --url)",
      )
      .requiredOption('--email <email>', "the owner's e-mail")
      .option('--stage <stage>', 'the deployed stage', 'dev')
      .option('--account-id <id>', 'the account id (the console account is "main")', 'main')
      .option('--account-name <name>', 'the account name', 'Main account')
      .action(
        async (
          o: { email: string; stage: string; accountId: string; accountName: string },
          command: Command,
        ) => {
          const g = cli.globals(command);
          const name = checkProfileName(g.profile ?? o.stage);
          const url = normalizeUrl(g.url ?? (await apiUrlOfStage(o.stage)));
          cli.readProfiles(); // a broken profile file stops here, before an owner token exists
          const output = await runBootstrapScript(cli, [
            '--stage',
            o.stage,
            '--email',
            o.email,
            '--account-id',
            o.accountId,
            '--name',
            o.accountName,
          ]);
          const token = /^Owner token: (\S+)$/m.exec(output)?.[1];
          if (token === undefined) {
            // The account existed: nothing was created, and no token is shown again.
            cli.emit(command, { created: false, url, message: output.trim() }, () => output.trim());
            return;
          }
          try {
            const file = cli.readProfiles();
            cli.profiles.write({ current: name, profiles: { ...file.profiles, [name]: { url, token } } });
          } catch (error) {
            cli.out(`Owner token: ${token}`);
            throw new CliError(
              `created the account, but could not save the profile (${(error as Error).message}); the token above is its only copy`,
              EXIT.usage,
            );
          }
          cli.emit(
            command,
            { created: true, url, profile: name, file: cli.profiles.path, ownerToken: token },
            () =>
              [
                `Created account "${o.accountId}" at ${url} with owner ${o.email}.`,
                `Saved as profile "${name}" in ${cli.profiles.path} (readable by you only); it is now the current profile.`,
                'The owner token is shown this once; keep it:',
                token,
              ].join('\n'),
          );
        },
      ),
    [
      'bootstrap aws --stage prod --email you@example.com',
      'bootstrap aws --stage dev --email you@example.com --url https://abc123.execute-api.eu-west-1.amazonaws.com/dev',
    ],
  );
}
