import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.js';

/** A deployment and the token to use there. The token is sent only to this URL. */
export interface Profile {
  readonly url: string;
  readonly token?: string;
}

export interface ProfileFile {
  /** The profile used when neither `--profile` nor `ACCESS_TOKENS_PROFILE` names one. */
  readonly current?: string;
  readonly profiles: Readonly<Record<string, Profile>>;
}

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name))
    throw new UsageError(
      `profile name "${name}": use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  return name;
}

/**
 * `$XDG_CONFIG_HOME/access-tokens/config.json` (default `~/.config/...`), as LaunchDarkly's ldcli
 * keeps its own under `~/.config/ldcli`. It holds tokens, so the folder is 0700 and the file 0600,
 * written whole to a temporary file and renamed, so a crash never leaves half a file.
 */
export class ProfileStore {
  constructor(readonly path: string) {}

  static at(env: Readonly<Record<string, string | undefined>>): ProfileStore {
    const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
    return new ProfileStore(join(base, 'access-tokens', 'config.json'));
  }

  read(): ProfileFile {
    if (!existsSync(this.path)) return { profiles: {} };
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read the profile file ${this.path}: ${(error as Error).message}`);
    }
    return validated(parsed, this.path);
  }

  write(file: ProfileFile): void {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'w' });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.path);
  }

  /** A warning when others may read the file (it was copied, or made by hand). */
  looseness(): string | undefined {
    if (!existsSync(this.path)) return undefined;
    const mode = statSync(this.path).mode & 0o777;
    return (mode & 0o077) !== 0
      ? `warning: ${this.path} holds tokens and is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${this.path}`
      : undefined;
  }
}

function validated(parsed: unknown, path: string): ProfileFile {
  const bad = (why: string) => new UsageError(`the profile file ${path} is not valid: ${why}`);
  if (typeof parsed !== 'object' || parsed === null) throw bad('not a JSON object');
  const { current, profiles } = parsed as { current?: unknown; profiles?: unknown };
  if (current !== undefined && typeof current !== 'string') throw bad('"current" must be a string');
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles))
    throw bad('"profiles" must be an object');
  for (const [name, profile] of Object.entries(profiles)) {
    const p = profile as { url?: unknown; token?: unknown } | null;
    if (typeof p?.url !== 'string') throw bad(`profiles.${name}.url must be a string`);
    if (p.token !== undefined && typeof p.token !== 'string')
      throw bad(`profiles.${name}.token must be a string`);
  }
  return {
    ...(current !== undefined ? { current } : {}),
    profiles: profiles as Record<string, Profile>,
  };
}
