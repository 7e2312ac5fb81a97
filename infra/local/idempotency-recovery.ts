import { DeleteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/**
 * Frees the stream records a crashed run was in the middle of. Powertools marks a record
 * INPROGRESS while its handler runs and refuses to run it again until the invocation's timeout
 * has passed (on AWS, Lambda's timeout ends the crashed invocation, so a retry after it
 * proceeds). Locally the retries after a restart would come before that timeout, fail as "already
 * in progress" and go to the dead-letter queue, so the revocation would never happen. Only for a
 * data folder this process holds the lock of: nothing else can be running those records. A
 * record marked COMPLETED stays, and a redelivery of it does nothing.
 */
export async function releaseInProgressRecords(endpoint: string, tableName: string): Promise<number> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let released = 0;
  try {
    let start: Record<string, never> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: '#status = :inprogress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inprogress': { S: 'INPROGRESS' } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        await client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { id: item.id! },
            ConditionExpression: '#status = :inprogress',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':inprogress': { S: 'INPROGRESS' } },
          }),
        );
        released++;
      }
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    return released;
  } finally {
    client.destroy();
  }
}
