import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** An OpenID Connect issuer the console signs in at, as `POST /sessions` is configured with it. */
export interface OidcIssuer {
  /** The issuer (`iss` of its ID tokens). */
  readonly issuer: string;
  /** The console's client id there (the ID tokens' audience). */
  readonly clientId: string;
  /** Where its signing keys are; found through its discovery document when absent. */
  readonly jwksUri?: string;
}

export interface ConsoleSignInProps {
  /** Where the issuer may send the console back after sign-in (and sign-out). */
  readonly callbackUrls: readonly string[];
  /** The hosted sign-in domain: `https://<prefix>.auth.<region>.amazoncognito.com` (unique per region). */
  readonly domainPrefix: string;
  /** RETAIN (the default) keeps the pool, and its users, when the stack is deleted. */
  readonly removalPolicy?: RemovalPolicy;
  /** Refuse to delete the pool (default true). */
  readonly deletionProtection?: boolean;
}

/** Where a console run with `npm start` is sent back to: a deployment lists its own console's URLs. */
export const DEFAULT_CONSOLE_URLS: readonly string[] = [
  'http://localhost:3000/',
  'http://localhost:3000/callback',
];

/** How long one sign-in lasts: the longest a session may (API.md), so a session is never cut short by its ID token. */
export const SIGN_IN_VALIDITY = Duration.hours(8);

/**
 * Console sign-in on AWS: a Cognito user pool whose users are the console account's members
 * (created by the members stream handler when a member is invited, deleted when they are removed;
 * nobody signs up by themselves), a strong password policy, MFA required (TOTP), threat protection
 * enforced (the Plus feature plan), and one public app client for the console (authorization code
 * with PKCE, no secret) on a Cognito-hosted sign-in domain. Its ID tokens last as long as a session
 * may, and so do its refresh tokens: a sign-in gives at most one 8-hour stretch.
 */
export class ConsoleSignIn extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  readonly issuer: OidcIssuer;

  constructor(scope: Construct, id: string, props: ConsoleSignInProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      userInvitation: {
        emailSubject: 'Your access to the access tokens console',
        emailBody:
          'You have been invited to the access tokens console. Sign in with {username} and the temporary password {####}; you will choose a password and set up an authenticator app. The invitation is valid for 7 days.',
      },
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.client = this.userPool.addClient('Console', {
      userPoolClientName: 'console',
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [...props.callbackUrls],
        logoutUrls: [...props.callbackUrls],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: SIGN_IN_VALIDITY,
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: SIGN_IN_VALIDITY,
    });
    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.domainPrefix } });
    // The pool's ID tokens carry `iss` = https://cognito-idp.<region>.<suffix>/<pool id>. Built here
    // rather than taken from the pool's ProviderURL attribute, which has no scheme.
    const { region, urlSuffix } = Stack.of(this);
    const issuer = `https://cognito-idp.${region}.${urlSuffix}/${this.userPool.userPoolId}`;
    this.issuer = {
      issuer,
      clientId: this.client.userPoolClientId,
      jwksUri: `${issuer}/.well-known/jwks.json`,
    };
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'OidcIssuer', { value: issuer, description: 'The console signs in here' });
    new CfnOutput(this, 'ConsoleClientId', { value: this.client.userPoolClientId });
    new CfnOutput(this, 'SignInUrl', { value: this.domain.baseUrl(), description: 'Cognito-hosted sign-in' });
  }
}
