import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AccessTokensApi, type AccessTokensApiProps } from './access-tokens-api.js';
import { AccessTokensData } from './access-tokens-data.js';
import { ConsoleSignIn, DEFAULT_CONSOLE_URLS, type OidcIssuer } from './console-sign-in.js';

/** The API's settings (see AccessTokensApiProps), plus what the data needs; every one optional. */
export interface AccessTokensProps
  extends Omit<AccessTokensApiProps, 'tables' | 'bus' | 'stageName' | 'signIn'> {
  /** The API stage name (default `prod`). */
  readonly stageName?: string;
  /** Deletion protection on the tables and the user pool (default true). */
  readonly deletionProtection?: boolean;
  /** Console sign-in: a Cognito user pool made here, unless `issuer` names an external one. */
  readonly signIn?: {
    /** The account whose members sign in (default `main`, as `npm run bootstrap` names it). */
    readonly accountId?: string;
    readonly issuer?: OidcIssuer;
    /** The console's callback URLs at the user pool (default: the local console's). */
    readonly callbackUrls?: readonly string[];
    /** The hosted sign-in domain's prefix (default `access-tokens-<stage>-<AWS account id>`). */
    readonly domainPrefix?: string;
  };
}

/**
 * The whole access-token service in one construct, for a platform team's own CDK app: the
 * stateful part (tables, event bus) and the stateless part (API, authorizer, functions, stream
 * handlers, alarms) in the scope it is given. This app itself splits the two into stacks.
 */
export class AccessTokens extends Construct {
  readonly data: AccessTokensData;
  readonly api: AccessTokensApi;
  /** The user pool and console client, unless an external issuer was given. */
  readonly signIn?: ConsoleSignIn;

  constructor(scope: Construct, id: string, props: AccessTokensProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.data = new AccessTokensData(this, 'Data', {
      removalPolicy,
      ...(props.deletionProtection !== undefined ? { deletionProtection: props.deletionProtection } : {}),
    });
    const { deletionProtection: _, stageName = 'prod', signIn = {}, ...apiSettings } = props;
    if (signIn.issuer === undefined) {
      this.signIn = new ConsoleSignIn(this, 'SignIn', {
        callbackUrls: signIn.callbackUrls ?? DEFAULT_CONSOLE_URLS,
        domainPrefix: signIn.domainPrefix ?? `access-tokens-${stageName}-${Stack.of(this).account}`,
        removalPolicy,
        ...(props.deletionProtection !== undefined ? { deletionProtection: props.deletionProtection } : {}),
      });
    }
    this.api = new AccessTokensApi(this, 'Service', {
      ...apiSettings,
      tables: this.data.tables,
      bus: this.data.bus,
      stageName,
      removalPolicy,
      signIn: {
        ...(signIn.issuer ?? this.signIn!.console!.issuer),
        accountId: signIn.accountId ?? 'main',
        ...(this.signIn !== undefined ? { userPool: this.signIn.userPool } : {}),
      },
    });
  }
}
