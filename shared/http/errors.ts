/**
 * The edge's errors: what the HTTP layer itself refuses (bad JSON, a wrong method, a body that is not
 * JSON, a malformed field). Services throw domain errors (`shared/services/errors.ts`) instead;
 * `errorResponse` in `api-handler.ts` maps both to HTTP in one place. Anything else that is thrown
 * is a fault: a generic 500 (or 503 when DynamoDB is down).
 */
export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal_server_error'
  | 'service_unavailable';

export const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_server_error: 500,
  service_unavailable: 503,
};

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export const invalid = (message: string) => new ApiError('invalid_request', message);
export const unauthorized = (message = 'Invalid access token') => new ApiError('unauthorized', message);
export const conflict = (message: string) => new ApiError('conflict', message);
export const methodNotAllowed = (message: string) => new ApiError('method_not_allowed', message);
export const unsupportedMediaType = (message: string) => new ApiError('unsupported_media_type', message);
