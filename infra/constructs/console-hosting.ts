import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CfnElement,
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONSOLE_HEADERS, consoleContentSecurityPolicy, originOf } from '../console-headers.js';

export interface ConsoleHostingProps {
  /** The API the console calls: `config.json` gets its `…/api/v2` URL, the CSP its origin. */
  readonly api: RestApi;
  /** Where members sign in (config.json's `oidcIssuer`, `oidcClientId`). */
  readonly signIn: {
    readonly issuer: string;
    readonly clientId: string;
    /**
     * Origins the browser must reach besides the issuer's, e.g. a Cognito hosted domain, where
     * the token endpoint is (`https://<prefix>.auth.<region>.amazoncognito.com`).
     */
    readonly connectSources?: readonly string[];
    /**
     * A sign-out endpoint taking Cognito's parameters (`client_id`, `logout_uri`), for an issuer
     * whose discovery document names no `end_session_endpoint` (config.json's `logoutEndpoint`).
     */
    readonly logoutEndpoint?: string;
  };
  /**
   * The console's address registered at the issuer, where sign-in and sign-out come back to
   * (default: this distribution's `https://<domain>/`).
   */
  readonly redirectUri?: string;
  /** The Vite build to deploy: a folder with index.html (`npm run build:console` makes console/dist). */
  readonly buildDir: string;
  /** The bucket's (default RETAIN; it holds only build output, but an emptied bucket is simpler to delete by hand). */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The console as a static site (DESIGN.md decision 9): a private S3 bucket (SSL only, reachable
 * only through CloudFront's origin access control), a CloudFront distribution (HTTPS only, a
 * response headers policy with a strict CSP, HSTS, `frame-ancestors 'none'`, nosniff), the Vite
 * build and a `config.json` with the API's URL and the sign-in settings, deployed into the bucket.
 */
export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<distribution domain>`: the origin the API must allow (CORS). */
  readonly origin: string;
  /** `https://<distribution domain>/`: the console's address. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    if (!existsSync(join(props.buildDir, 'index.html'))) {
      throw new Error(
        `The console is not built (${props.buildDir}/index.html is missing): run \`npm run build:console\`.`,
      );
    }
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Access tokens console',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headersPolicy(props),
        compress: true,
      },
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/`;
    this.deploy(props);
    this.acknowledgeFindings();
    new CfnOutput(this, 'ConsoleUrl', {
      value: this.url,
      description: 'The console (register it at the issuer as a redirect URI)',
    });
  }

  private headersPolicy(props: ConsoleHostingProps): ResponseHeadersPolicy {
    const stack = Stack.of(this);
    // The origin only: a CSP source with a path would match that one path.
    const apiOrigin = `https://${props.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
    const csp = consoleContentSecurityPolicy(
      [apiOrigin, originToken(props.signIn.issuer), ...(props.signIn.connectSources ?? []).map(originToken)],
      { https: true },
    );
    return new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Access tokens console: strict CSP, HSTS, no framing, nosniff',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          {
            header: 'Cross-Origin-Opener-Policy',
            value: CONSOLE_HEADERS['cross-origin-opener-policy'],
            override: true,
          },
        ],
      },
    });
  }

  /** The build (hashed assets cached for a year; index.html revalidated), then config.json beside it. */
  private deploy(props: ConsoleHostingProps): void {
    // Hashed assets first (kept: a page loaded before this deployment still finds its own), then
    // index.html naming them.
    const assets = new BucketDeployment(this, 'Assets', {
      sources: [Source.asset(join(props.buildDir, 'assets'))],
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'assets/',
      prune: false,
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
      memoryLimit: 256,
    });
    const files = new BucketDeployment(this, 'Files', {
      sources: [Source.asset(props.buildDir, { exclude: ['config.json', 'assets'] })],
      destinationBucket: this.bucket,
      exclude: ['config.json', 'assets/*'],
      distribution: this.distribution,
      distributionPaths: ['/', '/index.html'],
      cacheControl: [CacheControl.fromString('public, max-age=0, must-revalidate')],
      memoryLimit: 256,
    });
    files.node.addDependency(assets);
    new BucketDeployment(this, 'Config', {
      sources: [
        Source.jsonData('config.json', {
          apiBaseUrl: `${props.api.url}api/v2`,
          oidcIssuer: props.signIn.issuer,
          oidcClientId: props.signIn.clientId,
          redirectUri: props.redirectUri ?? this.url,
          ...(props.signIn.logoutEndpoint !== undefined
            ? { logoutEndpoint: props.signIn.logoutEndpoint }
            : {}),
        }),
      ],
      destinationBucket: this.bucket,
      prune: false,
      distribution: this.distribution,
      distributionPaths: ['/config.json'],
      cacheControl: [CacheControl.fromString('no-cache')],
      memoryLimit: 256,
    }).node.addDependency(files);
  }

  private acknowledgeFindings(): void {
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the public build of the console, read solely by CloudFront; requests are seen at the distribution.',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The console is for members wherever they are; sign-in and the API decide who gets in.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only, no data and no credentials behind them; the API it calls has its own WAF web ACL.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason: 'Static public files; the API keeps access logs of every call made with a session.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate, whose minimum protocol CloudFront fixes; a custom domain with its own certificate gets TLSv1.2_2021.',
      },
    );
    // CDK's own handler for BucketDeployment (a singleton Lambda in the stack): its grants read the
    // CDK asset bucket and write this bucket, and invalidate the distribution (which IAM scopes only to `*`).
    const reason =
      "CDK's BucketDeployment handler: its runtime, managed policy and grants are CDK's, writing only this bucket and invalidating only this distribution.";
    const stack = Stack.of(this);
    const bucketId = stack.getLogicalId(this.bucket.node.defaultChild as CfnElement);
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const findings = [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map(
        (action) => `AwsSolutions-IAM5[Action::${action}]`,
      ),
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${stack.synthesizer.bootstrapQualifier ?? 'hnb659fds'}-assets-${account}-${region}/*]`,
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
    ];
    for (const child of stack.node.findAll()) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      Validations.of(child).acknowledge(...findings.map((id) => ({ id, reason })));
    }
  }
}

/** The origin (`https://host`) of a URL, also when it is a deploy-time value such as a user pool's issuer. */
function originToken(url: string): string {
  if (!Token.isUnresolved(url)) return originOf(url);
  return `https://${Fn.select(2, Fn.split('/', url))}`;
}
