import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
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

/**
 * config.json as the deployment writes it: the file as staged, its deploy-time values (markers in
 * the staged file) shown as the CloudFormation expressions that fill them.
 */
function stagedConfig(template: Template, assembly: string): Record<string, any> {
  const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment'));
  const config = deployments.find((d) => d.Properties.SystemMetadata['cache-control'] === 'no-cache')!;
  const hash = config.Properties.SourceObjectKeys[0].replace(/\.zip$/, '');
  const staged = JSON.parse(readFileSync(join(assembly, `asset.${hash}`, 'config.json'), 'utf8'));
  const markers: Record<string, unknown> = config.Properties.SourceMarkers[0];
  const filled = (text: string) =>
    text.replace(/<<marker:0xbaba:\d+>>/g, (marker) => JSON.stringify(markers[marker]));
  return {
    ...Object.fromEntries(Object.entries(staged).map(([key, value]) => [key, filled(String(value))])),
    deployment: config.Properties,
  };
}

/**
 * A cycle among a template's resources (Ref, Fn::GetAtt, Fn::Sub and DependsOn), as the resource
 * ids around it; empty when there is none.
 */
function dependencyCycle(template: Record<string, any>): string[] {
  const ids = new Set(Object.keys(template.Resources));
  const needs = new Map<string, Set<string>>();
  const collect = (value: unknown, into: Set<string>): void => {
    if (typeof value !== 'object' || value === null) return; // arrays too: their keys are indexes
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string' && ids.has(inner)) into.add(inner);
      else if (key === 'Fn::GetAtt' && Array.isArray(inner) && ids.has(inner[0])) into.add(inner[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const [, name] of String(text).matchAll(/\$\{([^.}]+)/g)) if (ids.has(name!)) into.add(name!);
        collect(inner, into);
      } else collect(inner, into);
    }
  };
  for (const [id, resource] of Object.entries<any>(template.Resources)) {
    const into = new Set<string>([resource.DependsOn ?? []].flat());
    collect(resource.Properties, into);
    needs.set(id, into);
  }
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] => {
    if (state.get(id) === 'done') return [];
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of needs.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle.length > 0) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return [];
  };
  for (const id of ids) {
    const cycle = visit(id);
    if (cycle.length > 0) return cycle;
  }
  return [];
}

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
    const config = stagedConfig(template, assemblyDir);
    expect(config.deployment).toMatchObject({ Prune: false, DistributionPaths: ['/config.json'] });
    expect(config.oidcIssuer).toBe('https://login.example.com/tenant-1');
    expect(config.oidcClientId).toBe('console');
    expect(config.apiBaseUrl).toMatch(
      /^https:\/\/\{"Ref":"Api\w+"\}\.execute-api\.eu-west-1\..+\/\{"Ref":"ApiDeploymentStageprod\w+"\}\/api\/v2$/,
    );
    expect(config.redirectUri).toMatch(
      /^https:\/\/\{"Fn::GetAtt":\["ConsoleDistribution\w+","DomainName"\]\}\/$/,
    );
    // An issuer with RP-initiated logout: the console finds its end-session endpoint in its discovery.
    expect(config.logoutEndpoint).toBeUndefined();
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

describe("one deployment registers the console at the stack's user pool", () => {
  /** The app's two stacks as `cdk deploy --all` makes them, with cdk-nag's checks (a finding fails synthesis). */
  function deployment(context: Record<string, string> = {}) {
    const { app, stateful, stateless } = buildApp(templateApp({ stage: 'dev', ...context }));
    const assembly = app.synth();
    const service = Template.fromStack(stateless);
    const clients = Object.values(service.findResources('AWS::Cognito::UserPoolClient'));
    expect(clients).toHaveLength(1);
    return {
      client: clients[0]!.Properties,
      config: stagedConfig(service, assembly.directory),
      data: JSON.stringify(Template.fromStack(stateful).toJSON()),
      stacks: { stateful, stateless },
    };
  }
  const distributionUrl = {
    'Fn::Join': [
      '',
      ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleDistribution/), 'DomainName'] }, '/'],
    ],
  };

  it("makes the console's app client beside the distribution: its callback and sign-out URLs are the distribution's address", () => {
    const { client, config, data, stacks } = deployment();
    expect(client.CallbackURLs).toEqual([distributionUrl]);
    expect(client.LogoutURLs).toEqual([distributionUrl]);
    expect(client.UserPoolId).toEqual({ 'Fn::ImportValue': expect.stringMatching(/RefSignInUserPool/) });
    // config.json: that address, this client, and Cognito's sign-out endpoint on the hosted domain.
    expect(config.redirectUri).toMatch(
      /^https:\/\/\{"Fn::GetAtt":\["ConsoleDistribution\w+","DomainName"\]\}\/$/,
    );
    expect(config.oidcClientId).toMatch(/^\{"Ref":"SignInClient\w+"\}$/);
    expect(config.logoutEndpoint).toMatch(
      /^https:\/\/\{"Fn::ImportValue":"[^"]+RefSignInUserPoolDomain\w+"\}\.auth\.\{"Ref":"AWS::Region"\}\.amazoncognito\.com\/logout$/,
    );
    // No cycle: the stateful stack refers to nothing of the stateless one, which depends on it alone,
    // and within the stateless stack (which CloudFormation, not synthesis, would refuse).
    expect(data).not.toContain('Fn::ImportValue');
    expect(stacks.stateless.dependencies).toEqual([stacks.stateful]);
    expect(stacks.stateful.dependencies).toEqual([]);
    expect(dependencyCycle(Template.fromStack(stacks.stateless).toJSON())).toEqual([]);
  });

  it('registers the URLs given with -c consoleUrls instead, for a console on a domain of its own', () => {
    const { client, config } = deployment({
      consoleUrls: 'https://console.example.com/,https://console.example.com/callback',
    });
    const urls = ['https://console.example.com/', 'https://console.example.com/callback'];
    expect(client.CallbackURLs).toEqual(urls);
    expect(client.LogoutURLs).toEqual(urls);
    expect(config.redirectUri).toBe('https://console.example.com/');
  });
});
