import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The format of secrets handed to people: a fixed prefix that secret scanners can match
 * (`atk_` for access tokens, `ati_` for invitation codes), 192 random bits in 33 base62 characters,
 * and a 6-character base62 CRC-32 of everything before it. The checksum lets a mistyped or invented
 * value be rejected before any database read; it is not a security control (the randomness is).
 * CRC-32 detects every single-character change in the body (a burst of at most 8 bits), and the
 * checksum's own fixed-width encoding is injective, so no one-character mutation of a valid secret
 * is valid. Stored only as SHA-256 (the secret has 192 bits of entropy, so no salt or stretching
 * adds anything).
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_BYTES = 24;
const BODY_LENGTH = 33;
const CHECKSUM_LENGTH = 6;

export const TOKEN_PREFIX = 'atk_';
export const INVITE_PREFIX = 'ati_';

function toBase62(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out;
}

function checksumOf(text: string): string {
  let value = crc32(text);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export class SecretFormat {
  private readonly pattern: RegExp;
  readonly length: number;

  constructor(readonly prefix: string) {
    this.pattern = new RegExp(`^${prefix}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);
    this.length = prefix.length + BODY_LENGTH + CHECKSUM_LENGTH;
  }

  generate(): string {
    const body = toBase62(BigInt(`0x${randomBytes(RANDOM_BYTES).toString('hex')}`), BODY_LENGTH);
    const unchecked = this.prefix + body;
    return unchecked + checksumOf(unchecked);
  }

  /** Format and checksum only: no I/O. A false here needs no database read. */
  isWellFormed(value: unknown): value is string {
    if (typeof value !== 'string' || value.length !== this.length || !this.pattern.test(value)) return false;
    const split = this.length - CHECKSUM_LENGTH;
    return secretsEqual(checksumOf(value.slice(0, split)), value.slice(split));
  }
}

export const accessTokenFormat = new SecretFormat(TOKEN_PREFIX);

/**
 * The regular expression secret scanners should match access tokens with (README, "Leaked
 * tokens"): the prefix, exactly 39 base62 characters, and no word character on either side. It
 * finds candidates; the last 6 characters are a checksum of the rest (`isWellFormed`), which a
 * scanner may check to drop false positives, as `POST /tokens/leaked` does before any read.
 */
export const ACCESS_TOKEN_SCAN_PATTERN = String.raw`\batk_[0-9A-Za-z]{39}\b`;
export const inviteCodeFormat = new SecretFormat(INVITE_PREFIX);

/** What is stored in place of a secret: its SHA-256, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two secrets or hashes. */
export function secretsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The only form of a token shown after creation: its last four characters. */
export function obscure(secret: string): string {
  return secret.slice(-4);
}

/** Accepts the raw token, as LaunchDarkly takes it, or `Bearer <token>`. */
export function tokenFromAuthorizationHeader(header: string | undefined | null): string | null {
  if (typeof header !== 'string') return null;
  const trimmed = header.trim();
  const token = /^bearer\s+/i.test(trimmed) ? trimmed.replace(/^bearer\s+/i, '') : trimmed;
  return accessTokenFormat.isWellFormed(token) ? token : null;
}

/** Opaque ids for tokens, members, invitations (not secrets). */
export function newId(): string {
  return randomBytes(12).toString('hex');
}
