// The cold start baseline: a bundle that only constructs the DynamoDB client.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const client = new DynamoDBClient({ region: 'us-east-1' });
