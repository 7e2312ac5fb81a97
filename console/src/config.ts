/** The console's settings, read at run time from `config.json` beside index.html (written by the CDK stack, or served by `npm start`). */
export interface ConsoleConfig {
  /** The API's base, e.g. `https://…/prod/api/v2`. */
  readonly apiBaseUrl: string;
  readonly oidcIssuer: string;
  readonly oidcClientId: string;
  /** The console's own address, registered at the provider as a redirect URI (and post-sign-out URI). */
  readonly redirectUri: string;
  /**
   * A sign-out endpoint taking Cognito's parameters (`client_id`, `logout_uri`), for a provider
   * whose discovery document names no `end_session_endpoint`; absent, that endpoint is used.
   */
  readonly logoutEndpoint?: string;
}

const REQUIRED = ['apiBaseUrl', 'oidcIssuer', 'oidcClientId', 'redirectUri'] as const;

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json');
  if (!response.ok) throw new Error(`config.json could not be read (${response.status}).`);
  const config = (await response.json()) as Record<string, unknown>;
  const missing = REQUIRED.filter((field) => typeof config[field] !== 'string' || config[field] === '');
  if (missing.length > 0) throw new Error(`config.json lacks ${missing.join(', ')}.`);
  if (config.logoutEndpoint !== undefined && typeof config.logoutEndpoint !== 'string')
    throw new Error('config.json has a logoutEndpoint that is not a URL.');
  return config as unknown as ConsoleConfig;
}
