import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ApiClient, isLoopback, normalizeUrl } from './client.js';
import { UsageError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { type ProfileFile, ProfileStore } from './profiles.js';

/** Where a command reads and writes: the process's streams, or a test's. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** Ends long-running commands (`events tail`); the process's own Ctrl-C does it otherwise. */
  readonly signal?: AbortSignal;
}

/** The options every command takes (declared on the program, shown in each command's help). */
export interface GlobalOptions {
  readonly url?: string;
  readonly token?: string;
  readonly profile?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

export const DEFAULT_URL = 'http://localhost:3000';
export const ENV = {
  url: 'ACCESS_TOKENS_URL',
  token: 'ACCESS_TOKENS_TOKEN',
  profile: 'ACCESS_TOKENS_PROFILE',
} as const;

/** The endpoint and token a command uses, and where each came from (for `whoami` and errors). */
export interface Endpoint {
  readonly url: string;
  readonly urlSource: string;
  readonly token: string | undefined;
  readonly tokenSource: string | undefined;
  readonly profileName: string | undefined;
  readonly missingTokenHint: string;
}

/**
 * One run of the CLI: its streams, the resolved settings, and the exit status. Every write goes
 * through `redact`, so the token the CLI authenticates with can never reach the output, whatever
 * a bug or an API message might put there.
 */
export class Cli {
  exitCode: ExitCode = EXIT.ok;
  readonly profiles: ProfileStore;
  private readonly secrets = new Set<string>();

  constructor(readonly io: Io) {
    this.profiles = ProfileStore.at(io.env);
    const fromEnv = io.env[ENV.token];
    if (fromEnv) this.protect(fromEnv);
  }

  /** Keeps a credential out of every later write. */
  protect(secret: string): void {
    if (secret.length >= 8) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  out(text: string): void {
    this.io.stdout(this.redact(text.endsWith('\n') ? text : `${text}\n`));
  }

  err(text: string): void {
    this.io.stderr(this.redact(text.endsWith('\n') ? text : `${text}\n`));
  }

  globals(command: Command): GlobalOptions {
    const options = command.optsWithGlobals() as GlobalOptions;
    if (options.token) this.protect(options.token);
    return options;
  }

  /** `--json`: the API's representation as it came; otherwise the human rendering. */
  emit(command: Command, raw: unknown, human: () => string): void {
    if (this.globals(command).json) this.out(JSON.stringify(raw, null, 2));
    else this.out(human());
  }

  readProfiles(): ProfileFile {
    const file = this.profiles.read();
    const warning = this.profiles.looseness();
    if (warning !== undefined) this.err(warning);
    for (const profile of Object.values(file.profiles)) if (profile.token) this.protect(profile.token);
    return file;
  }

  /**
   * Flag, then environment, then profile (`--profile`, `ACCESS_TOKENS_PROFILE`, or the file's
   * current one), then the local default. A profile's token goes only to that profile's own URL:
   * `--url elsewhere` with no token given is sent without one, never with the saved token.
   */
  endpoint(command: Command): Endpoint {
    const g = this.globals(command);
    const file = this.readProfiles();
    const named = g.profile ?? this.io.env[ENV.profile];
    if (named !== undefined && file.profiles[named] === undefined)
      throw new UsageError(
        `no profile "${named}" in ${this.profiles.path} (access-tokens profile list shows them)`,
      );
    const profileName =
      named ?? (file.current !== undefined && file.profiles[file.current] ? file.current : undefined);
    const profile = profileName !== undefined ? file.profiles[profileName] : undefined;
    const [url, urlSource] = g.url
      ? [normalizeUrl(g.url), '--url']
      : this.io.env[ENV.url]
        ? [normalizeUrl(this.io.env[ENV.url]!), ENV.url]
        : profile
          ? [normalizeUrl(profile.url), `profile "${profileName}"`]
          : [DEFAULT_URL, 'default'];
    const profileToken =
      profile?.token !== undefined && normalizeUrl(profile.url) === url ? profile.token : undefined;
    const [token, tokenSource] = g.token
      ? [g.token, '--token']
      : this.io.env[ENV.token]
        ? [this.io.env[ENV.token], ENV.token]
        : profileToken !== undefined
          ? [profileToken, `profile "${profileName}"`]
          : [undefined, undefined];
    const missingTokenHint =
      profile?.token !== undefined && profileToken === undefined
        ? `Profile "${profileName}" has a token for ${normalizeUrl(profile.url)}, which is never sent to ${url}; pass --token or set ${ENV.token}.`
        : `Pass --token, set ${ENV.token}, or save a profile (access-tokens bootstrap local).`;
    return { url, urlSource, token, tokenSource, profileName, missingTokenHint };
  }

  client(command: Command, endpoint: Endpoint = this.endpoint(command)): ApiClient {
    const { verbose } = this.globals(command);
    if (endpoint.token !== undefined && endpoint.url.startsWith('http:') && !isLoopback(endpoint.url))
      this.err(`warning: sending a token over plain HTTP to ${endpoint.url}`);
    return new ApiClient({
      baseUrl: endpoint.url,
      token: endpoint.token,
      missingTokenHint: endpoint.missingTokenHint,
      ...(verbose ? { trace: (line: string) => this.err(line) } : {}),
    });
  }

  /** True on a terminal once the person typed y; true without asking when not on a terminal or with --yes. */
  async confirm(question: string, yes: boolean | undefined): Promise<boolean> {
    if (yes || !this.io.stdin.isTTY) return true;
    const answer = await this.readLine(`${question} [y/N] `, false);
    return /^y(es)?$/i.test(answer.trim());
  }

  /**
   * A secret from the terminal without echoing it, or the first non-empty line of piped input.
   * Written here because node's readline has no way to turn echo off; raw mode and a loop over the
   * keys is what it takes.
   */
  async readSecret(prompt: string): Promise<string> {
    const { stdin } = this.io;
    if (!stdin.isTTY || stdin.setRawMode === undefined) return this.readLine(undefined, true);
    this.io.stderr(prompt);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    return new Promise((resolve, reject) => {
      let value = '';
      const finish = () => {
        stdin.off('data', onData);
        stdin.setRawMode?.(false);
        stdin.pause();
        this.io.stderr('\n');
      };
      const onData = (chunk: string) => {
        for (const key of chunk) {
          if (key === '\r' || key === '\n' || key === '\u0004') {
            finish();
            return resolve(value.trim());
          }
          if (key === '\u0003') {
            finish();
            return reject(new UsageError('cancelled'));
          }
          value = key === '\u007f' || key === '\b' ? value.slice(0, -1) : value + key;
        }
      };
      stdin.on('data', onData);
    });
  }

  private async readLine(prompt: string | undefined, skipEmpty: boolean): Promise<string> {
    const lines = createInterface({ input: this.io.stdin, terminal: false });
    if (prompt !== undefined) this.io.stderr(prompt);
    try {
      for await (const line of lines) if (!skipEmpty || line.trim() !== '') return line;
      return '';
    } finally {
      lines.close();
    }
  }
}
