import { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AccessTokensApi, type AccessTokensApiProps } from './access-tokens-api.js';
import { AccessTokensData } from './access-tokens-data.js';

/** The API's settings (see AccessTokensApiProps), plus what the data needs; every one optional. */
export interface AccessTokensProps extends Omit<AccessTokensApiProps, 'tables' | 'bus' | 'stageName'> {
  /** The API stage name (default `prod`). */
  readonly stageName?: string;
  /** Deletion protection on the tables (default true). */
  readonly deletionProtection?: boolean;
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
    const { deletionProtection: _, stageName, ...apiSettings } = props;
    this.api = new AccessTokensApi(this, 'Service', {
      ...apiSettings,
      tables: this.data.tables,
      bus: this.data.bus,
      stageName: stageName ?? 'prod',
      removalPolicy,
    });
  }
}
