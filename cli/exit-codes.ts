/**
 * What the CLI's exit status means, so a script can tell "fix the command" from "fix the token"
 * from "try again". The README's CLI section lists them; keep the two in step.
 */
export const EXIT = {
  ok: 0,
  /** Bad arguments or options, an unknown profile, an unreadable file: the command itself is wrong. */
  usage: 1,
  /** The API refused the request (400, 404, 405, 409, 415): its message names the problem. */
  refused: 2,
  /** No token to send, or the API answered 401 (missing, unknown, expired, revoked or deleted token). */
  unauthorized: 3,
  /** The API answered 403: the token is valid but may not do this. */
  forbidden: 4,
  /** The API could not answer: network error, timeout, 429, 5xx. Retrying may help. */
  unavailable: 5,
  /** `check`: the token may not take that action on that resource (the check itself succeeded). */
  denied: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit status for an HTTP error status. */
export function exitCodeOf(status: number): ExitCode {
  if (status === 401) return EXIT.unauthorized;
  if (status === 403) return EXIT.forbidden;
  if (status === 429 || status >= 500) return EXIT.unavailable;
  return EXIT.refused;
}
