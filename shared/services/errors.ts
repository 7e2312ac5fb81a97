/**
 * What a use case can refuse, in the domain's words. Services throw these and know nothing of
 * HTTP; the edge's one error mapper (`shared/http/api-handler.ts`) turns each kind into a status and
 * the contract's error body. Anything else a service throws is a fault (500, or 503 when a
 * dependency is down).
 */
export type DomainErrorKind =
  /** The command is malformed or breaks a rule of the data (400). */
  | 'invalid'
  /** The credential presented (an invitation code) is not valid (401). */
  | 'unauthenticated'
  /** The caller may see the target but may not do this to it (403). */
  | 'forbidden'
  /** The target does not exist, or the caller may not see it (404: ids cannot be probed). */
  | 'not_found'
  /** The target's current state does not allow it (409). */
  | 'conflict';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (message: string) => new DomainError('invalid', message);
export const unauthenticated = (message: string) => new DomainError('unauthenticated', message);
export const forbidden = (message: string) => new DomainError('forbidden', message);
export const notFound = (what: string) => new DomainError('not_found', `${what} not found`);
export const conflict = (message: string) => new DomainError('conflict', message);
