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
  /** `-c auditRetentionDays`: how long audit log entries are kept (DynamoDB TTL), default 365. */
  readonly auditRetentionDays: number;
  /** Console sign-in (see SignInConfig). */
  readonly signIn: SignInConfig;
}

/**
 * Console sign-in: the account whose members sign in, and either an external OpenID Connect
 * issuer (`-c oidcIssuer=… -c oidcClientId=…`: no user pool is made) or the Cognito user pool the
 * stack makes, with the hosted domain's prefix (`-c signInDomainPrefix=…`) and, for a console on a
 * domain of its own, its callback URLs (`-c consoleUrls=a,b`).
 */
export interface SignInConfig {
  /** `-c consoleAccountId`: the account `npm run bootstrap` made (its `--account-id`, default `main`). */
  readonly accountId: string;
  readonly external?: { readonly issuer: string; readonly clientId: string };
  /**
   * `-c consoleUrls`: the console's callback (and sign-out) URLs at the user pool, for a console
   * on a domain of its own. Undefined: the console distribution's own address.
   */
  readonly callbackUrls?: readonly string[];
  /** Undefined: `access-tokens-<stage>-<AWS account id>`. */
  readonly domainPrefix?: string;
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
  const retentionText = context('auditRetentionDays');
  const auditRetentionDays = retentionText === undefined ? 365 : Number(retentionText);
  if (!Number.isInteger(auditRetentionDays) || auditRetentionDays < 1 || auditRetentionDays > 3650) {
    throw new StageConfigError(
      `-c auditRetentionDays must be whole days from 1 to 3650, got "${String(retentionText)}"`,
    );
  }
  const cors = context('corsOrigins');
  const alarmEmail = context('alarmEmail');
  const signIn = signInConfig(context);
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
    auditRetentionDays,
    signIn,
  };
}

const list = (value: unknown) =>
  typeof value === 'string' && value.length > 0
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : [];

function signInConfig(context: Context): SignInConfig {
  const text = (key: string) => {
    const value = context(key);
    return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
  };
  const issuer = text('oidcIssuer');
  const clientId = text('oidcClientId');
  if ((issuer === undefined) !== (clientId === undefined))
    throw new StageConfigError('-c oidcIssuer and -c oidcClientId go together: give both, or neither');
  if (issuer !== undefined && !/^https:\/\/[^\s]+$/.test(issuer))
    throw new StageConfigError(`-c oidcIssuer must be an https URL, got "${issuer}"`);
  const domainPrefix = text('signInDomainPrefix');
  if (domainPrefix !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix))
    throw new StageConfigError(
      `-c signInDomainPrefix must be lower-case letters, digits and hyphens, got "${domainPrefix}"`,
    );
  const callbackUrls = list(context('consoleUrls'));
  return {
    accountId: text('consoleAccountId') ?? 'main',
    ...(issuer !== undefined && clientId !== undefined ? { external: { issuer, clientId } } : {}),
    ...(callbackUrls.length > 0 ? { callbackUrls } : {}),
    ...(domainPrefix !== undefined ? { domainPrefix } : {}),
  };
}
