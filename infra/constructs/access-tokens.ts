import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AccessTokensApi } from './access-tokens-api.js';
import { AccessTokensData } from './access-tokens-data.js';

export interface AccessTokensProps {
  /** The API stage name (default `prod`). */
  readonly stageName?: string;
  /** How long API Gateway reuses an authorizer answer (default 300 s). Revocation flushes it. */
  readonly authorizerCacheTtl?: Duration;
  /** Alarms go here; a topic is created when none is given. */
  readonly alarmTopic?: ITopic;
  /** Tables, bus, logs and queues: RETAIN by default. */
  readonly removalPolicy?: RemovalPolicy;
  readonly deletionProtection?: boolean;
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
  readonly corsAllowOrigins?: readonly string[];
  readonly maxRequestBodyBytes?: number;
  readonly logRetention?: RetentionDays;
}

/**
 * The whole access-token service in one construct, for a platform team's own CDK app: the
 * stateful part (tables, event bus) and the stateless part (API, authorizer, functions, stream
 * handlers, alarms) in the scope it is given. This app itself splits the two into stacks.
 */
export class AccessTokens extends Construct {
  readonly data: AccessTokensData;
  readonly api: AccessTokensApi;

  constructor(scope: Construct, id: string, props: AccessTokensProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.data = new AccessTokensData(this, 'Data', {
      removalPolicy,
      ...(props.deletionProtection !== undefined ? { deletionProtection: props.deletionProtection } : {}),
    });
    this.api = new AccessTokensApi(this, 'Service', {
      tables: this.data.tables,
      bus: this.data.bus,
      stageName: props.stageName ?? 'prod',
      removalPolicy,
      ...(props.authorizerCacheTtl ? { authorizerCacheTtl: props.authorizerCacheTtl } : {}),
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
      ...(props.throttling ? { throttling: props.throttling } : {}),
      ...(props.corsAllowOrigins ? { corsAllowOrigins: props.corsAllowOrigins } : {}),
      ...(props.maxRequestBodyBytes ? { maxRequestBodyBytes: props.maxRequestBodyBytes } : {}),
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
    });
  }
}
