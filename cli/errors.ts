import { EXIT, type ExitCode, exitCodeOf } from './exit-codes.js';

/** An error the CLI reports on one line and exits with; anything else is a bug. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** The command line is wrong (exit 1). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The API's error body (API.md "Errors"), when it sent one. */
export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
  readonly id?: string;
}

/** The API answered with an error status; its body is kept as sent for `--json`. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    hint?: string,
  ) {
    const id = body.id !== undefined ? `, request id ${body.id}` : '';
    super(`${body.message} (${status} ${body.code}${id})${hint ? `\n${hint}` : ''}`, exitCodeOf(status));
  }
}
