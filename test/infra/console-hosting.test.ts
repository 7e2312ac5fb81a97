import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConsoleHosting } from '../../infra/constructs/console-hosting.js';
import { CONSOLE_STAND_IN, templateApp } from './template-app.js';

// The construct alone, in a stack with a stand-in API: fast, and with cdk-nag's AWS Solutions checks.
let template: Template;
let json: Record<string, any>;
let assemblyDir: string;

beforeAll(() => {
  const app = templateApp();
  const stack = new Stack(app, 'ConsoleStack', { env: { account: '111122223333', region: 'eu-west-1' } });
  const api = new RestApi(stack, 'Api', { deployOptions: { stageName: 'prod' } });
  api.root.addMethod('GET', new MockIntegration());
  Validations.of(api).acknowledge(
    ...['APIG1', 'APIG2', 'APIG3', 'APIG4', 'APIG6', 'COG4'].map((rule) => ({
      id: `AwsSolutions-${rule}`,
      reason: 'stand-in API',
    })),
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'stand-in API',
    },
  );
  new ConsoleHosting(stack, 'Console', {
    api,
    signIn: {
      issuer: 'https://login.example.com/tenant-1',
      clientId: 'console',
      connectSources: ['https://auth.example.com'],
    },
    buildDir: CONSOLE_STAND_IN,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  assemblyDir = app.synth().directory;
  template = Template.fromStack(stack);
  json = template.toJSON();
});

const only = (type: string) => {
  const found = Object.values(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0]!;
};

const headersPolicy = () =>
  only('AWS::CloudFront::ResponseHeadersPolicy').Properties.ResponseHeadersPolicyConfig;

describe('the console hosting', () => {
  it('keeps the bucket private and SSL only, reachable through CloudFront origin access control alone', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: Match.anyValue(),
    });
    const policy = JSON.stringify(only('AWS::S3::BucketPolicy').Properties.PolicyDocument);
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(policy).toContain('cloudfront.amazonaws.com');
    expect(Object.keys(template.findResources('AWS::CloudFront::OriginAccessControl'))).toHaveLength(1);
    const origin = only('AWS::CloudFront::Distribution').Properties.DistributionConfig.Origins[0];
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(origin.OriginAccessControlId).toBeDefined();
  });

  it('serves HTTPS only (HTTP is redirected), index.html at the root', () => {
    const config = only('AWS::CloudFront::Distribution').Properties.DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
  });

  it('sends a strict CSP naming only itself, the API and the sign-in provider, plus HSTS, DENY framing and nosniff', () => {
    const security = headersPolicy().SecurityHeadersConfig;
    const csp = JSON.stringify(security.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      'upgrade-insecure-requests',
    ])
      expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    // connect-src: 'self', the REST API's origin (its id, never its stage), the issuer's origin (no path), the token endpoint's.
    expect(csp).toMatch(/connect-src 'self' https:\/\/",\{"Ref":"Api\w+"\},"\.execute-api\.eu-west-1\./);
    expect(csp).toContain('https://login.example.com https://auth.example.com');
    expect(csp).not.toContain('tenant-1');
    expect(security.StrictTransportSecurity).toMatchObject({
      AccessControlMaxAgeSec: 63_072_000,
      IncludeSubdomains: true,
      Preload: true,
      Override: true,
    });
    expect(security.FrameOptions).toMatchObject({ FrameOption: 'DENY', Override: true });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.ReferrerPolicy).toMatchObject({ ReferrerPolicy: 'no-referrer' });
  });

  it("deploys the build and a config.json with the API's URL and the sign-in settings given at deploy time", () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(3);
    const config = deployments.find((d) => d.Properties.SystemMetadata['cache-control'] === 'no-cache')!;
    expect(config.Properties).toMatchObject({ Prune: false, DistributionPaths: ['/config.json'] });
    // The file as staged, its deploy-time values as markers that the deployment fills in.
    const hash = config.Properties.SourceObjectKeys[0].replace(/\.zip$/, '');
    const staged = JSON.parse(readFileSync(join(assemblyDir, `asset.${hash}`, 'config.json'), 'utf8'));
    const markers: Record<string, unknown> = config.Properties.SourceMarkers[0];
    const filled = (text: string) =>
      text.replace(/<<marker:0xbaba:\d+>>/g, (marker) => JSON.stringify(markers[marker]));
    expect(staged.oidcIssuer).toBe('https://login.example.com/tenant-1');
    expect(staged.oidcClientId).toBe('console');
    expect(filled(staged.apiBaseUrl)).toMatch(
      /^https:\/\/\{"Ref":"Api\w+"\}\.execute-api\.eu-west-1\..+\/\{"Ref":"ApiDeploymentStageprod\w+"\}\/api\/v2$/,
    );
    expect(filled(staged.redirectUri)).toMatch(
      /^https:\/\/\{"Fn::GetAtt":\["ConsoleDistribution\w+","DomainName"\]\}\/$/,
    );
    // The build: hashed assets kept a year and never pruned; index.html revalidated, invalidated on each deployment.
    const assets = deployments.find((d) => d.Properties.DestinationBucketKeyPrefix === 'assets/')!;
    expect(assets.Properties).toMatchObject({
      Prune: false,
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    const files = deployments.find((d) => d.Properties.Exclude !== undefined)!;
    expect(files.Properties).toMatchObject({
      Exclude: ['config.json', 'assets/*'],
      DistributionPaths: ['/', '/index.html'],
    });
  });

  it('outputs the console URL', () => {
    const outputs = Object.values(json.Outputs as Record<string, any>);
    expect(JSON.stringify(outputs)).toContain('DomainName');
  });
});
