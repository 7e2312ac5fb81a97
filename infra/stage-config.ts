import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** Settings per stage, chosen with `cdk deploy -c stage=dev|prod`, and overridable by context. */
export interface StageConfig {
  readonly stage: 'dev' | 'prod';
  readonly authorizerCacheTtl: Duration;
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  readonly corsAllowOrigins: readonly string[];
  readonly alarmEmail?: string;
}

export class StageConfigError extends Error {}

type Context = (key: string) => unknown;

export function stageConfig(context: Context): StageConfig {
  const stage = String(context('stage') ?? 'dev');
  if (stage !== 'dev' && stage !== 'prod')
    throw new StageConfigError(`-c stage must be dev or prod, got "${stage}"`);
  const ttlText = context('authorizerCacheTtl');
  const ttl = ttlText === undefined ? 300 : Number(ttlText);
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) {
    throw new StageConfigError(
      `-c authorizerCacheTtl must be whole seconds from 0 to 3600, got "${String(ttlText)}"`,
    );
  }
  const cors = context('corsOrigins');
  const alarmEmail = context('alarmEmail');
  return {
    stage,
    authorizerCacheTtl: Duration.seconds(ttl),
    // Data is retained in every stage; only prod refuses deletion outright.
    deletionProtection: stage === 'prod',
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: stage === 'prod' ? RetentionDays.ONE_YEAR : RetentionDays.ONE_WEEK,
    throttling: stage === 'prod' ? { rateLimit: 200, burstLimit: 400 } : { rateLimit: 20, burstLimit: 40 },
    corsAllowOrigins: typeof cors === 'string' && cors.length > 0 ? cors.split(',').map((o) => o.trim()) : [],
    ...(typeof alarmEmail === 'string' && alarmEmail.length > 0 ? { alarmEmail } : {}),
  };
}
