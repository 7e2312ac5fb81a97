import { Stack, type StackProps } from 'aws-cdk-lib';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { AccessTokensApi } from '../constructs/access-tokens-api.js';
import type { AccessTokensData } from '../constructs/access-tokens-data.js';
import type { StageConfig } from '../stage-config.js';

/** The API, authorizer, functions, stream handlers and alarms: safe to replace at any time. */
export class StatelessStack extends Stack {
  readonly service: AccessTokensApi;

  constructor(scope: Construct, id: string, data: AccessTokensData, config: StageConfig, props?: StackProps) {
    super(scope, id, props);
    const alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Access tokens (${config.stage}) alarms`,
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (config.alarmEmail) alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    this.service = new AccessTokensApi(this, 'Service', {
      tables: data.tables,
      bus: data.bus,
      stageName: config.stage,
      authorizerCacheTtl: config.authorizerCacheTtl,
      alarmTopic,
      throttling: config.throttling,
      corsAllowOrigins: config.corsAllowOrigins,
      logRetention: config.logRetention,
    });
  }
}
