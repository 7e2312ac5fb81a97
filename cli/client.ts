import { ApiError, type ApiErrorBody, CliError } from './errors.js';
import { EXIT } from './exit-codes.js';

const API_BASE = '/api/v2';
const TIMEOUT_MS = 30_000;
const USER_AGENT = 'access-tokens-cli/0.1.0';

export interface RequestOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly body?: unknown;
  /** Sent without credentials (`POST /invitations/accept`, `GET /_local/events`). */
  readonly anonymous?: boolean;
  /** A path outside `/api/v2` (the local stack's `/_local/*`). */
  readonly outsideApi?: boolean;
}

export interface ClientOptions {
  /** The deployment's base URL, without `/api/v2` (normalized by `normalizeUrl`). */
  readonly baseUrl: string;
  readonly token: string | undefined;
  /** Where `--verbose` writes one line per request: method, URL, status, time. Never headers or bodies. */
  readonly trace?: (line: string) => void;
  /** Why there is no token, for the error a request that needs one gets. */
  readonly missingTokenHint: string;
}

/** `https://x/dev/`, `https://x/dev/api/v2` → `https://x/dev`: the base the API paths hang under. */
export function normalizeUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`"${text}" is not a URL (e.g. http://localhost:3000)`, EXIT.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`"${text}" is not an http(s) URL`, EXIT.usage);
  url.search = '';
  url.hash = '';
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v2$/, '');
  return `${url.origin}${path}`;
}

/** Loopback hosts, to which a token over plain HTTP never leaves the machine. */
export function isLoopback(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/**
 * The API over fetch. The token goes in the `Authorization` header and nowhere else: not in a
 * trace line, not in an error message (errors quote the API's message and the URL only).
 */
export class ApiClient {
  constructor(private readonly options: ClientOptions) {}

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /** The response body (undefined for 204); an error status throws an `ApiError`. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(`${this.options.baseUrl}${options.outsideApi ? '' : API_BASE}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
    if (!options.anonymous) {
      if (this.options.token === undefined)
        throw new CliError(`no token to send. ${this.options.missingTokenHint}`, EXIT.unauthorized);
      headers.authorization = this.options.token;
    }
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    this.options.trace?.(`> ${method} ${url.href}`);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(this.options.baseUrl, error);
    }
    const text = await response.text();
    this.options.trace?.(`< ${response.status} (${Math.round(performance.now() - started)} ms)`);
    const body = parseBody(text);
    // The hints are about the token; a request sent without one has none to give.
    const hint = options.anonymous ? undefined : hintFor(response.status);
    if (!response.ok) throw new ApiError(response.status, errorBodyOf(response, body), hint);
    return body as T;
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The contract's `{code, message, id}`, or one made from the status for what is not (a proxy's page). */
function errorBodyOf(response: Response, body: unknown): ApiErrorBody {
  const b = body as Partial<ApiErrorBody> | undefined;
  if (typeof b === 'object' && b !== null && typeof b.code === 'string' && typeof b.message === 'string')
    return { code: b.code, message: b.message, ...(typeof b.id === 'string' ? { id: b.id } : {}) };
  const text = typeof body === 'string' ? body.slice(0, 200).trim() : '';
  return { code: `http_${response.status}`, message: text || response.statusText || 'request failed' };
}

function hintFor(status: number): string | undefined {
  if (status === 401)
    return 'The token is missing, mistyped, expired, reset, deleted, or its member was removed: check --token, ACCESS_TOKENS_TOKEN or the profile (access-tokens profile list).';
  if (status === 403)
    return 'The token is valid but may not do this (see: access-tokens check <action> <resource>).';
  return undefined;
}

function unreachable(baseUrl: string, error: unknown): CliError {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  const why =
    e.name === 'TimeoutError'
      ? `no answer within ${TIMEOUT_MS / 1000} s`
      : (e.cause?.code ?? e.cause?.message ?? e.message);
  const hint = isLoopback(baseUrl) ? ' Is the local stack running (npm start)?' : '';
  return new CliError(`could not reach ${baseUrl}: ${why}.${hint}`, EXIT.unavailable);
}
