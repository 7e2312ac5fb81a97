import { createServer, type IncomingMessage, type Server } from 'node:http';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MemberRecord } from '../../shared/data/member-repo.js';
import { onMembersRecord } from '../../shared/services/revocation-service.js';

/**
 * On AWS the members stream keeps the sign-in user pool: a user for each new member of the console
 * account, deleted when the member is removed. Here against a small HTTP server that speaks
 * Cognito's wire protocol (the SDK is pointed at it with AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER)
 * and stands in for the local event sink: no SDK mocks. The records are the members stream's.
 */
interface Call {
  readonly target: string;
  readonly body: any;
}

const calls: Call[] = [];
/** Cognito's users, by pool and username, as the fake keeps them. */
const users = new Set<string>();
let server: Server;

async function body(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text;
}

/** A pool the fake answers every call for with Cognito's internal error (a 500). */
const BROKEN_POOL = 'us-east-1_Broken';

function answer(call: Call): { status: number; body: unknown } {
  const key = `${call.body.UserPoolId}/${call.body.Username}`;
  const fail = (type: string) => ({ status: 400, body: { __type: type, message: type } });
  if (call.body.UserPoolId === BROKEN_POOL)
    return { status: 500, body: { __type: 'InternalErrorException', message: 'try again' } };
  switch (call.target) {
    case 'AWSCognitoIdentityProviderService.AdminCreateUser':
      if (users.has(key)) return fail('UsernameExistsException');
      users.add(key);
      return { status: 200, body: { User: { Username: call.body.Username, Enabled: true } } };
    case 'AWSCognitoIdentityProviderService.AdminDeleteUser':
      if (!users.delete(key)) return fail('UserNotFoundException');
      return { status: 200, body: {} };
    default:
      return fail('InternalErrorException');
  }
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const text = await body(request);
    if (request.url === '/events') {
      response.writeHead(204);
      return response.end();
    }
    const call = { target: String(request.headers['x-amz-target'] ?? ''), body: JSON.parse(text || '{}') };
    calls.push(call);
    const { status, body: reply } = answer(call);
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(reply));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LOCAL_EVENT_SINK: `http://127.0.0.1:${port}/events`,
    USER_POOL_ID: 'us-east-1_TestPool',
    CONSOLE_ACCOUNT_ID: 'console-account',
  });
  delete process.env.LOCAL_AUTHORIZER_FLUSH_URL;
});

afterAll(() => {
  server.close();
});

beforeEach(() => {
  calls.length = 0;
});

let sequence = 0;

/** A members stream record of a member item (what DynamoDB Streams hands the handler). */
function record(
  eventName: 'INSERT' | 'REMOVE',
  member: Partial<MemberRecord> & { email: string },
): DynamoDBRecord {
  const item = marshall({
    pk: `ACCT#${member.accountId ?? 'console-account'}`,
    sk: `MEMBER#${member.memberId ?? 'm1'}`,
    type: 'member',
    accountId: 'console-account',
    memberId: 'm1',
    role: 'reader',
    customRoles: [],
    creationDate: 1,
    version: 1,
    ...member,
  }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];
  return {
    eventID: `event-${++sequence}`,
    eventName,
    dynamodb: {
      ApproximateCreationDateTime: Date.now() / 1000,
      Keys: { pk: item!.pk!, sk: item!.sk! },
      ...(eventName === 'INSERT' ? { NewImage: item } : { OldImage: item }),
    },
  } as DynamoDBRecord;
}

const targets = () => calls.map((c) => c.target.split('.')[1]);

describe('the sign-in user pool, kept by the members stream', () => {
  it('a new member of the console account gets a user named by their e-mail, verified, invited by e-mail', async () => {
    await onMembersRecord(record('INSERT', { email: 'ada@example.com' }));
    expect(calls).toEqual([
      {
        target: 'AWSCognitoIdentityProviderService.AdminCreateUser',
        body: {
          UserPoolId: 'us-east-1_TestPool',
          Username: 'ada@example.com',
          UserAttributes: [
            { Name: 'email', Value: 'ada@example.com' },
            { Name: 'email_verified', Value: 'true' },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        },
      },
    ]);
  });

  it('a record delivered twice changes nothing the second time (the user exists: fine)', async () => {
    const insert = record('INSERT', { email: 'twice@example.com' });
    await onMembersRecord(insert);
    await expect(onMembersRecord(insert)).resolves.toMatchObject({ events: 0 });
    expect(targets()).toEqual(['AdminCreateUser', 'AdminCreateUser']);
    expect(users.has('us-east-1_TestPool/twice@example.com')).toBe(true);
  });

  it("a removed member's user is deleted; a user already gone is fine", async () => {
    await onMembersRecord(record('INSERT', { email: 'leaving@example.com', memberId: 'm-leaving' }));
    const removal = record('REMOVE', { email: 'leaving@example.com', memberId: 'm-leaving' });
    await expect(onMembersRecord(removal)).resolves.toMatchObject({ flush: true, events: 1 });
    expect(users.has('us-east-1_TestPool/leaving@example.com')).toBe(false);
    await expect(onMembersRecord(removal)).resolves.toMatchObject({ flush: true });
    expect(targets()).toEqual(['AdminCreateUser', 'AdminDeleteUser', 'AdminDeleteUser']);
  });

  it("members of other accounts are not the console's: no user is made or deleted for them", async () => {
    await onMembersRecord(record('INSERT', { email: 'other@example.com', accountId: 'another-account' }));
    await onMembersRecord(record('REMOVE', { email: 'other@example.com', accountId: 'another-account' }));
    expect(calls).toEqual([]);
  });

  it('without a user pool (an external issuer, or locally) nothing is called', async () => {
    delete process.env.USER_POOL_ID;
    try {
      await onMembersRecord(record('INSERT', { email: 'nopool@example.com' }));
      await onMembersRecord(record('REMOVE', { email: 'nopool@example.com' }));
      expect(calls).toEqual([]);
    } finally {
      process.env.USER_POOL_ID = 'us-east-1_TestPool';
    }
  });

  it('a directory that fails fails the record, so the stream retries it (nothing is dropped)', async () => {
    process.env.USER_POOL_ID = BROKEN_POOL;
    try {
      await expect(onMembersRecord(record('INSERT', { email: 'retry@example.com' }))).rejects.toThrow();
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((c) => c.body.UserPoolId === BROKEN_POOL)).toBe(true);
    } finally {
      process.env.USER_POOL_ID = 'us-east-1_TestPool';
    }
  });
});
