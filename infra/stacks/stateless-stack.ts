import { Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { CONSOLE_DIST } from '../console-build.js';
import { AccessTokensApi } from '../constructs/access-tokens-api.js';
import type { AccessTokensData } from '../constructs/access-tokens-data.js';
import { ConsoleHosting } from '../constructs/console-hosting.js';
import type { ConsoleAppClient, ConsoleSignIn } from '../constructs/console-sign-in.js';
import type { StageConfig } from '../stage-config.js';

/** The API, authorizer, functions, stream handlers, alarms and the console: safe to replace at any time. */
export class StatelessStack extends Stack {
  readonly service: AccessTokensApi;
  readonly console: ConsoleHosting;
  /** The console's app client at the stateful stack's user pool (none with an external issuer). */
  readonly signInClient?: ConsoleAppClient | undefined;

  constructor(
    scope: Construct,
    id: string,
    stateful: { readonly data: AccessTokensData; readonly signIn?: ConsoleSignIn | undefined },
    config: StageConfig,
    props?: StackProps,
  ) {
    super(scope, id, props);
    const { data } = stateful;
    const alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Access tokens (${config.stage}) alarms`,
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (config.alarmEmail) alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    // The console's address is known last: the API allows its origin, and the user pool's console
    // client registers its URL, while the console's CSP and config.json name the API and the
    // client. So the distribution is made last, and those read its domain lazily. No cycle in the
    // template: the CSP names the REST API's id only (never its stage or methods), the client names
    // the distribution only.
    let hosting: ConsoleHosting | undefined;
    const consoleOrigin = Lazy.string({ produce: () => hosting?.origin });
    // A console on a domain of its own (`-c consoleUrls=https://…/`), else the distribution's own
    // address: one deployment registers it.
    const consoleUrls = config.signIn.callbackUrls ?? [Lazy.string({ produce: () => hosting?.url })];
    this.signInClient = stateful.signIn?.addConsoleClient(this, 'SignInClient', consoleUrls);
    const issuer = this.signInClient?.issuer ?? config.signIn.external;
    if (issuer === undefined)
      throw new Error('console sign-in needs the stack-made user pool or an external issuer');
    this.service = new AccessTokensApi(this, 'Service', {
      tables: data.tables,
      bus: data.bus,
      stageName: config.stage,
      authorizerCacheTtl: config.authorizerCacheTtl,
      alarmTopic,
      throttling: config.throttling,
      // The console's origin first: the gateway's own answers (401, 429, …) allow that one.
      corsAllowOrigins: [consoleOrigin, ...config.corsAllowOrigins],
      logRetention: config.logRetention,
      auditRetentionDays: config.auditRetentionDays,
      signIn: {
        ...issuer,
        accountId: config.signIn.accountId,
        ...(stateful.signIn !== undefined ? { userPool: stateful.signIn.userPool } : {}),
      },
    });
    hosting = new ConsoleHosting(this, 'Console', {
      api: this.service.api,
      signIn: {
        issuer: issuer.issuer,
        clientId: issuer.clientId,
        ...(stateful.signIn !== undefined
          ? {
              // Cognito's token endpoint is on its hosted sign-in domain, not on the issuer's host,
              // and so is its sign-out endpoint, which its discovery document does not name.
              connectSources: [stateful.signIn.domain.baseUrl()],
              logoutEndpoint: stateful.signIn.logoutEndpoint,
            }
          : {}),
      },
      ...(consoleUrl(config) !== undefined ? { redirectUri: consoleUrl(config) } : {}),
      buildDir: String(this.node.tryGetContext('consoleBuildDir') ?? CONSOLE_DIST),
    });
    this.console = hosting;
  }
}

/** The first https console URL among the sign-in callback URLs, if any were given. */
const consoleUrl = (config: StageConfig) =>
  config.signIn.callbackUrls?.find((url) => url.startsWith('https://'));
