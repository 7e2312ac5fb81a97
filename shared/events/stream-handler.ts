import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { config } from '../config/config.js';
import { withChangeContext } from '../data/change-context.js';
import { dynamoBase } from '../data/clients.js';
import { logger } from '../http/logger.js';
import { publishMetrics } from '../observability/metrics.js';
import { recordAudit, withBatchLookups } from '../services/audit-trail.js';
import type { RecordOutcome } from '../services/revocation-service.js';
import { flushAuthorizerCache } from './authorizer-cache.js';

export interface StreamBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * A DynamoDB stream consumer, one record at a time, with Powertools' batch processing (partial
 * batch responses: the failed records are reported, the rest are done) and idempotency keyed on
 * the record's eventID (a batch delivered twice publishes nothing twice). Records of a batch are
 * handled in order, and each is written to the audit log. When any record changed rights, the stage's authorizer cache is flushed once
 * for the batch; a failed flush fails the batch, so it is retried. The batch's metrics (events,
 * revocations, lag, flushes) are published as the invocation ends.
 */
/**
 * Every record is also written to the audit log (audit-trail.ts), after its own handling, so that
 * nothing that changed escapes it; what a handler writes in turn (a removed member's tokens
 * revoked) is stamped as the system's unless it says on whose behalf. The acting member and token
 * are read once per batch (`withBatchLookups`).
 */
const audited =
  (onRecord: (record: DynamoDBRecord) => Promise<RecordOutcome>) =>
  (record: DynamoDBRecord): Promise<RecordOutcome> =>
    withChangeContext({ kind: 'system' }, {}, async () => {
      const outcome = await onRecord(record);
      await recordAudit(record);
      return outcome;
    });

export function streamHandler(name: string, onRecord: (record: DynamoDBRecord) => Promise<RecordOutcome>) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  let idempotent: ((record: DynamoDBRecord) => Promise<RecordOutcome>) | undefined;
  let idempotencyConfig: IdempotencyConfig | undefined;

  // Built on first use, so that configuration is read at run time, not import time.
  const setup = () => {
    if (idempotent === undefined || idempotencyConfig === undefined) {
      idempotencyConfig = new IdempotencyConfig({
        eventKeyJmesPath: 'eventID',
        expiresAfterSeconds: 2 * 24 * 3600,
      });
      const persistenceStore = new DynamoDBPersistenceLayer({
        tableName: config.tables.idempotency(),
        awsSdkV3Client: dynamoBase(),
      });
      idempotent = makeIdempotent(audited(onRecord), {
        persistenceStore,
        config: idempotencyConfig,
        keyPrefix: name,
      });
    }
    return { idempotent, idempotencyConfig };
  };

  const handleBatch = async (event: DynamoDBStreamEvent, context: Context): Promise<StreamBatchResponse> => {
    logger.resetKeys();
    logger.appendKeys({ handler: name, requestId: context.awsRequestId });
    const { idempotent: handle, idempotencyConfig: idempotency } = setup();
    idempotency.registerLambdaContext(context);
    let flush = false;
    const response = await withBatchLookups(() =>
      processPartialResponse(
        event,
        async (record: DynamoDBRecord) => {
          const outcome = await handle(record);
          if (outcome.flush) flush = true;
          return outcome;
        },
        processor,
        { context, processInParallel: false, throwOnFullBatchFailure: false },
      ),
    );
    if (response.batchItemFailures.length > 0) {
      logger.warn('stream records failed', {
        handler: name,
        failed: response.batchItemFailures.length,
        of: event.Records.length,
      });
    }
    if (flush) await flushAuthorizerCache();
    return response as StreamBatchResponse;
  };
  return async (event: DynamoDBStreamEvent, context: Context): Promise<StreamBatchResponse> => {
    try {
      return await handleBatch(event, context);
    } finally {
      publishMetrics();
    }
  };
}
