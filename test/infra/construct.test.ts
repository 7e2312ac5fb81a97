import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from '../../infra/constructs/access-tokens.js';
import { templateApp } from './template-app.js';

// The reusable construct, as a platform team would drop it into its own app and stack.
describe('the AccessTokens construct', () => {
  it("takes the team's settings and passes the AWS Solutions checks in a single stack", () => {
    const app = templateApp();
    const stack = new Stack(app, 'PlatformStack');
    const topic = new Topic(stack, 'PlatformAlarms', { enforceSSL: true });
    Validations.of(topic).acknowledge({ id: 'AwsSolutions-SNS2', reason: 'test topic' });
    new AccessTokens(stack, 'Tokens', {
      stageName: 'live',
      authorizerCacheTtl: Duration.seconds(60),
      alarmTopic: topic,
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      corsAllowOrigins: ['https://app.example.com'],
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 60 });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'live' });
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
    expect(Object.keys(template.findResources('AWS::SNS::Topic'))).toHaveLength(1);
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    }
    // CORS is configured: preflight OPTIONS methods exist.
    const options = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
      (m) => m.Properties.HttpMethod === 'OPTIONS',
    );
    expect(options.length).toBeGreaterThan(0);
  });

  it('signs the console in at a user pool of its own, or at the issuer it is given (then no pool)', () => {
    const app = templateApp();
    const own = new Stack(app, 'OwnPool');
    new AccessTokens(own, 'Tokens', {
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      signIn: { callbackUrls: ['https://console.example.com/callback'], domainPrefix: 'acme-tokens' },
    });
    const external = new Stack(app, 'ExternalIssuer');
    new AccessTokens(external, 'Tokens', {
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      signIn: { accountId: 'acme', issuer: { issuer: 'https://login.example.com', clientId: 'console' } },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    const withPool = Template.fromStack(own);
    withPool.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' });
    withPool.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-tokens' });
    withPool.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: ['https://console.example.com/callback'],
    });
    const withIssuer = Template.fromStack(external);
    withIssuer.resourceCountIs('AWS::Cognito::UserPool', 0);
    withIssuer.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          OIDC_ISSUER: 'https://login.example.com',
          OIDC_CLIENT_ID: 'console',
          CONSOLE_ACCOUNT_ID: 'acme',
        }),
      },
    });
  });

  it('creates its own alarm topic when given none, with the logical id it always had', () => {
    const app = templateApp();
    const stack = new Stack(app, 'PlatformStack');
    new AccessTokens(stack, 'Tokens', { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::SNS::Topic'))).toEqual(['TokensServiceAlarmsB40883AF']);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'TokensServiceAlarmsB40883AF' }]);
    }
    // CORS is off: every method a route path lacks, OPTIONS included, is the 405 mock.
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.filter((m) => m.Properties.HttpMethod === 'OPTIONS')).toHaveLength(0);
    expect(methods.filter((m) => m.Properties.HttpMethod === 'ANY').length).toBeGreaterThan(0);
  });
});
