/**
 * How the stream handlers are fed, in one place: the CDK event source mappings and the local
 * stream poller both read it, so the local stack honours the same contract as Lambda.
 * (A plain module: the local stack must not load aws-cdk-lib.)
 */
export const STREAM_SETTINGS = {
  batchSize: 100,
  /** Retries of a failing record before it goes to the dead-letter queue. */
  maxRetries: 3,
  /** A batch whose handler throws is split in two and each half retried. */
  bisectOnError: true,
} as const;
