import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { GATEWAY_RESPONSES } from '../../shared/http/gateway-responses.js';
import { ROUTES, type Route } from '../../shared/http/routes.js';

export interface ApiFirewallProps {
  /** Requests with a larger body are blocked. */
  readonly maxRequestBodyBytes: number;
}

/** Requests per client address in any 5 minutes before that address is blocked. */
const REQUESTS_PER_ADDRESS = 3000;

/** The key of the 429 body that rate-limited routes answer with, in the contract's error shape. */
const RATE_LIMITED_BODY = 'rate-limited';

/**
 * One rate-based rule per route of the table with a `perAddressLimit` (the leaked-token report),
 * counting only requests to that path (the local gateway enforces the same limit). The path is
 * matched at its end, so it holds with the stage in the URL (`/prod/api/v2/…`) or behind a custom
 * domain's base path. WAF's own `id` cannot be the request's, so the body says `waf`.
 */
function perRouteLimits(firstPriority: number) {
  const routes: readonly Route[] = ROUTES;
  return routes.flatMap((route, i) => {
    if (route.perAddressLimit === undefined) return [];
    const name = `rate-per-ip${route.path.replace(/[^A-Za-z0-9]+/g, '-')}`;
    const statement: CfnWebACL.StatementProperty = {
      rateBasedStatement: {
        limit: route.perAddressLimit.requests,
        evaluationWindowSec: route.perAddressLimit.windowSeconds,
        aggregateKeyType: 'IP',
        scopeDownStatement: {
          regexMatchStatement: {
            fieldToMatch: { uriPath: {} },
            regexString: `${route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?$`,
            textTransformations: [{ priority: 0, type: 'URL_DECODE' }],
          },
        },
      },
    };
    return [
      {
        name,
        priority: firstPriority + i,
        action: {
          block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY } },
        },
        statement,
        visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
      },
    ];
  });
}

/**
 * A regional WAF web ACL in front of the API stage: a request size limit, a rate limit per client
 * address, and tighter per-address limits on the routes of the table that have one.
 */
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
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            code: GATEWAY_RESPONSES.THROTTLED.code,
            message: GATEWAY_RESPONSES.THROTTLED.message,
            id: 'waf',
          }),
        },
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
        ...perRouteLimits(2),
      ],
    });
    this.webAclArn = webAcl.attrArn;
  }
}
