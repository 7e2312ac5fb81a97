import { Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { CONSOLE_DIST } from '../console-build.js';
import { AccessTokensApi } from '../constructs/access-tokens-api.js';
import type { AccessTokensData } from '../constructs/access-tokens-data.js';
import { ConsoleHosting } from '../constructs/console-hosting.js';
import type { ConsoleSignIn } from '../constructs/console-sign-in.js';
import type { StageConfig } from '../stage-config.js';

/** The API, authorizer, functions, stream handlers, alarms and the console: safe to replace at any time. */
export class StatelessStack extends Stack {
  readonly service: AccessTokensApi;
  readonly console: ConsoleHosting;

  constructor(
    scope: Construct,
    id: string,
    stateful: { readonly data: AccessTokensData; readonly signIn?: ConsoleSignIn | undefined },
    config: StageConfig,
    props?: StackProps,
  ) {
    super(scope, id, props);
    const { data } = stateful;
    const issuer = stateful.signIn?.issuer ?? config.signIn.external;
    if (issuer === undefined)
      throw new Error('console sign-in needs the stack-made user pool or an external issuer');
    const alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Access tokens (${config.stage}) alarms`,
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (config.alarmEmail) alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    // The API allows the console's origin, and the console's CSP names the API: the distribution is
    // made after the API, and the API reads its domain lazily (no cycle: the CSP names the REST
    // API's id only, never its stage or methods).
    let hosting: ConsoleHosting | undefined;
    const consoleOrigin = Lazy.string({ produce: () => hosting?.origin });
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
        // Cognito's token endpoint is on its hosted sign-in domain, not on the issuer's host.
        ...(stateful.signIn !== undefined ? { connectSources: [stateful.signIn.domain.baseUrl()] } : {}),
      },
      // A console URL given at deploy time (`-c consoleUrls=https://…/`), else the distribution's own.
      ...(consoleUrl(config) !== undefined ? { redirectUri: consoleUrl(config) } : {}),
      buildDir: String(this.node.tryGetContext('consoleBuildDir') ?? CONSOLE_DIST),
    });
    this.console = hosting;
  }
}

/** The first https console URL among the sign-in callback URLs, if one was given. */
const consoleUrl = (config: StageConfig) =>
  config.signIn.callbackUrls.find((url) => url.startsWith('https://'));
