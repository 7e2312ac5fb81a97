import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolClient,
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
  /**
   * Where the issuer may send the console back after sign-in and sign-out. Given, the console's app
   * client is made here with the pool; absent, whoever knows the console's address makes it with
   * `addConsoleClient` (this app: beside the console's distribution, in the stateless stack).
   */
  readonly callbackUrls?: readonly string[];
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
 * enforced (the Plus feature plan), and a Cognito-hosted sign-in domain; the console's public app
 * client (authorization code with PKCE, no secret) is made with the pool, or later, wherever the
 * console's address is known (`addConsoleClient`).
 */
export class ConsoleSignIn extends Construct {
  readonly userPool: UserPool;
  readonly domain: UserPoolDomain;
  /** The pool's ID tokens' `iss`: `https://cognito-idp.<region>.<suffix>/<pool id>`. */
  readonly issuerUrl: string;
  /** Where its signing keys are. */
  readonly jwksUri: string;
  /**
   * Cognito's sign-out endpoint on the hosted domain (`/logout?client_id=…&logout_uri=…`), which
   * ends the pool's own session; its discovery document names no `end_session_endpoint`.
   */
  readonly logoutEndpoint: string;
  /** The console's client, when the pool was given its callback URLs. */
  readonly console?: ConsoleAppClient;

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
    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.domainPrefix } });
    // The pool's ID tokens carry `iss` = https://cognito-idp.<region>.<suffix>/<pool id>. Built here
    // rather than taken from the pool's ProviderURL attribute, which has no scheme.
    const { region, urlSuffix } = Stack.of(this);
    this.issuerUrl = `https://cognito-idp.${region}.${urlSuffix}/${this.userPool.userPoolId}`;
    this.jwksUri = `${this.issuerUrl}/.well-known/jwks.json`;
    this.logoutEndpoint = `${this.domain.baseUrl()}/logout`;
    if (props.callbackUrls !== undefined)
      this.console = this.addConsoleClient(this, 'Console', props.callbackUrls);
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'OidcIssuer', { value: this.issuerUrl, description: 'The console signs in here' });
    new CfnOutput(this, 'SignInUrl', { value: this.domain.baseUrl(), description: 'Cognito-hosted sign-in' });
  }

  /**
   * The console's app client at this pool, made in `scope`: where the console's address is known,
   * so that one deployment registers it (a scope in another stack refers to the pool, never the
   * other way round). `urls` are its callback and sign-out URLs.
   */
  addConsoleClient(scope: Construct, id: string, urls: readonly string[]): ConsoleAppClient {
    return new ConsoleAppClient(scope, id, { signIn: this, urls });
  }
}

/**
 * The console's public app client at a ConsoleSignIn's pool: authorization code (PKCE, no
 * secret), scopes `openid email profile`, the console's URLs as its callback and sign-out URLs.
 * Its ID tokens last as long as a session may, and so do its refresh tokens: a sign-in gives at
 * most one 8-hour stretch.
 */
export class ConsoleAppClient extends Construct {
  readonly client: UserPoolClient;
  /** What `POST /sessions` verifies ID tokens against: the pool's issuer and keys, this client. */
  readonly issuer: OidcIssuer;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly signIn: ConsoleSignIn; readonly urls: readonly string[] },
  ) {
    super(scope, id);
    this.client = new UserPoolClient(this, 'Client', {
      userPool: props.signIn.userPool,
      userPoolClientName: 'console',
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [...props.urls],
        logoutUrls: [...props.urls],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: SIGN_IN_VALIDITY,
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: SIGN_IN_VALIDITY,
    });
    this.issuer = {
      issuer: props.signIn.issuerUrl,
      clientId: this.client.userPoolClientId,
      jwksUri: props.signIn.jwksUri,
    };
    new CfnOutput(this, 'ConsoleClientId', { value: this.client.userPoolClientId });
  }
}
