import { describe, expect, it } from 'vitest';
import { toLambdaRecord } from '../../infra/local/stream-poller.js';

describe('DynamoDB Local stream records become what Lambda delivers', () => {
  const local = {
    eventID: 'e1',
    eventName: 'MODIFY' as const,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'ddblocal',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2026-11-27T10:00:00.000Z'),
      Keys: { pk: { S: 'a' }, sk: { S: 'b' } },
      NewImage: {
        pk: { S: 'a' },
        blob: { B: new Uint8Array([1, 2, 3]) },
        set: { BS: [new Uint8Array([255])] },
        n: { N: '1' },
      },
      OldImage: { pk: { S: 'a' }, nested: { M: { b: { B: new Uint8Array([4]) } } } },
      SequenceNumber: '000001',
      SizeBytes: 42,
      StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
    },
  };

  it('adds eventSourceARN, turns the Date into epoch seconds and bytes into base64', () => {
    const record = toLambdaRecord(local, 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x');
    expect(record.eventSourceARN).toBe('arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x');
    expect(record.dynamodb?.ApproximateCreationDateTime).toBe(Date.parse('2026-11-27T10:00:00.000Z') / 1000);
    expect(record.dynamodb?.NewImage).toEqual({
      pk: { S: 'a' },
      blob: { B: 'AQID' },
      set: { BS: ['/w=='] },
      n: { N: '1' },
    });
    expect(record.dynamodb?.OldImage).toEqual({ pk: { S: 'a' }, nested: { M: { b: { B: 'BA==' } } } });
    expect(record.dynamodb?.SequenceNumber).toBe('000001');
    expect(record.eventName).toBe('MODIFY');
  });
});
