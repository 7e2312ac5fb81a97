import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiFirewallProps {
  /** Requests with a larger body are blocked. */
  readonly maxRequestBodyBytes: number;
}

/** Requests per client address in any 5 minutes before that address is blocked. */
const REQUESTS_PER_ADDRESS = 3000;

/** A regional WAF web ACL in front of the API stage: a request size limit and a rate limit per client address. */
export class ApiFirewall extends Construct {
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const rule = (name: string, priority: number, statement: CfnWebACL.StatementProperty) => ({
      name,
      priority,
      action: { block: {} },
      statement,
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
    });
    // `Default` is left out of logical ids: the web ACL keeps the one it had before this construct existed.
    const webAcl = new CfnWebACL(this, 'Default', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        metricName: 'access-tokens-api',
        sampledRequestsEnabled: true,
      },
      rules: [
        rule('body-size', 0, {
          sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            comparisonOperator: 'GT',
            size: props.maxRequestBodyBytes,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        }),
        rule('rate-per-ip', 1, {
          rateBasedStatement: { limit: REQUESTS_PER_ADDRESS, aggregateKeyType: 'IP' },
        }),
      ],
    });
    this.webAclArn = webAcl.attrArn;
  }
}
