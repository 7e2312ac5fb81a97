import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger (Powertools: structured JSON, level from POWERTOOLS_LOG_LEVEL). Nothing logs a
 * request's headers or body, so a token's value never reaches a log.
 */
export const logger = new Logger({ serviceName: 'access-tokens' });
