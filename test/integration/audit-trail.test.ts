import { randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { auditRepo } from '../../shared/data/audit-repo.js';
import { type ChangeStamp, changeStamp, withChangeContext } from '../../shared/data/change-context.js';
import { dynamoBase } from '../../shared/data/clients.js';
import { tokenRepo } from '../../shared/data/token-repo.js';
import { auditEntryListingView } from '../../shared/http/audit-views.js';
import { auditService } from '../../shared/services/audit-service.js';
import { auditEntryOf, recordAudit, withBatchLookups } from '../../shared/services/audit-trail.js';
import { buildPrincipal } from '../../shared/services/principal.js';
import { newToken } from '../../shared/services/token-factory.js';

// The audit log's writer against DynamoDB Local, fed stream records as Lambda gets them.

const image = (item: object) =>
  marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;

function streamRecord(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  before: object | undefined,
  after: object | undefined,
): DynamoDBRecord {
  return {
    eventID: randomUUID(),
    eventName,
    dynamodb: {
      ApproximateCreationDateTime: Date.now() / 1000,
      ...(before ? { OldImage: image(before) as never } : {}),
      ...(after ? { NewImage: image(after) as never } : {}),
    },
  };
}

const accountId = () => `audit-${randomUUID()}`;
const tokenItem = (token: object, lastChange: ChangeStamp) => ({
  pk: 'x',
  sk: 'y',
  type: 'token',
  ...token,
  lastChange,
});

const actor = {
  kind: 'token' as const,
  member: { memberId: 'm1', email: 'm1@example.com' },
  token: { tokenId: 't0', name: 'laptop', serviceToken: false },
};
const origin = { sourceIp: '203.0.113.7', userAgent: 'curl/8.5', requestId: 'req-1' };

describe("the audit log's writer", () => {
  it('writes one entry when the same stream record is delivered twice', async () => {
    const account = accountId();
    const { token } = newToken({
      accountId: account,
      memberId: 'm1',
      serviceToken: false,
      name: 'ci',
      scope: { kind: 'role', role: 'reader' },
    });
    const stamp = withChangeContext(actor, origin, () => changeStamp());
    const record = streamRecord('INSERT', undefined, tokenItem(token, stamp));
    await recordAudit(record);
    await recordAudit(record);
    const { items } = await auditRepo.page(account, { count: 20 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      kind: 'token',
      titleVerb: 'created the token',
      date: stamp.at,
      actorKind: 'token',
      member: { memberId: 'm1', email: 'm1@example.com' },
      token: { tokenId: 't0', name: 'laptop' },
      sourceIp: '203.0.113.7',
      userAgent: 'curl/8.5',
      requestId: 'req-1',
    });
    // A different record of another change is another entry.
    await recordAudit(streamRecord('INSERT', undefined, tokenItem({ ...token, tokenId: 'other' }, stamp)));
    expect((await auditRepo.page(account, { count: 20 })).items).toHaveLength(2);
  });

  it('records nothing for a write that no one stamped anew (a lastUsed touch)', async () => {
    const { token } = newToken({
      accountId: accountId(),
      memberId: 'm1',
      serviceToken: false,
      name: 'ci',
      scope: { kind: 'role', role: 'reader' },
    });
    const stamp = changeStamp();
    const before = tokenItem(token, stamp);
    const after = { ...before, lastUsed: Date.now() };
    expect(await auditEntryOf(streamRecord('MODIFY', before, after))).toBeUndefined();
  });

  it("names the system for an expiry, at the token's expiry, and any revocation reason generically", async () => {
    const account = accountId();
    const expiresAt = Date.now() - 1000;
    const { token } = newToken({
      accountId: account,
      memberId: 'm1',
      serviceToken: false,
      name: 'old',
      scope: { kind: 'role', role: 'reader' },
      expiresAt,
    });
    const expired = await auditEntryOf(streamRecord('REMOVE', tokenItem(token, changeStamp()), undefined));
    expect(expired).toMatchObject({ titleVerb: 'expired the token', actorKind: 'system', date: expiresAt });
    expect(expired?.member).toBeUndefined();

    // A revocation for a reason added later (a leak report with no credentials) says its reason.
    const leaked = newToken({
      accountId: account,
      memberId: 'm1',
      serviceToken: false,
      name: 'leaky',
      scope: { kind: 'role', role: 'reader' },
    }).token;
    await tokenRepo.create(leaked);
    const before = (await tokenRepo.get(account, leaked.tokenId, true))!;
    await withChangeContext({ kind: 'anonymous' }, { sourceIp: '198.51.100.9' }, () =>
      tokenRepo.revoke(before, { reason: 'leaked' as never, revokedAt: Date.now() }),
    );
    const entry = await auditEntryOf(streamRecord('REMOVE', tokenItem(before, changeStamp()), undefined));
    expect(entry).toMatchObject({
      titleVerb: 'revoked the token (leaked)',
      actorKind: 'anonymous',
      sourceIp: '198.51.100.9',
      accesses: [{ action: 'deleteAccessToken', resource: `member/m1:token/${leaked.tokenId}` }],
    });
  });

  it('describes every changed field, including ones it has no words for', async () => {
    const { token } = newToken({
      accountId: accountId(),
      memberId: 'm1',
      serviceToken: false,
      name: 'ci',
      scope: { kind: 'role', role: 'reader' },
    });
    const before = tokenItem(token, changeStamp());
    const after = tokenItem({ ...token, description: 'for CI', allowedCidrs: ['10.0.0.0/8'] }, changeStamp());
    const entry = await auditEntryOf(streamRecord('MODIFY', before, after));
    expect(entry?.description).toBe(
      '* allowedCidrs: (none) → `["10.0.0.0/8"]`\n* description: (none) → for CI',
    );
    expect(entry?.accesses.map((a) => a.action)).toEqual([
      'updateAccessToken*',
      'updateAccessTokenDescription',
    ]);
    expect(JSON.stringify(entry)).not.toContain(token.hash);
  });

  it('quotes names and values that are not plain text, so that none forges a line, a link or mark-up', async () => {
    const { token } = newToken({
      accountId: accountId(),
      memberId: 'm1',
      serviceToken: false,
      name: 'ci',
      scope: { kind: 'role', role: 'reader' },
    });
    const forged = 'x\n* role: reader → owner\r\n\n[docs](https://evil.example) <img src=x> ``';
    const before = tokenItem(token, changeStamp());
    const after = tokenItem(
      { ...token, name: forged, description: 'tab\there \u202Egnp.exe' },
      withChangeContext({ ...actor, token: { ...actor.token, name: 'a\n* b' } }, origin, () => changeStamp()),
    );
    const entry = (await auditEntryOf(streamRecord('MODIFY', before, after)))!;
    // One line per changed field, whatever the values hold; each value one code span of its JSON.
    expect(entry.description.split('\n')).toEqual([
      '* description: (none) → `"tab\\there \\u202egnp.exe"`',
      `* name: ci → \`\`\`${JSON.stringify(forged)}\`\`\``,
    ]);
    expect(entry.name).toBe(forged); // the name itself, as data, is kept as it is
    const { title } = auditEntryListingView({ ...entry, member: undefined });
    expect(title).not.toMatch(/[\n\r]/);
    expect(title).toBe(`token \`"a\\n* b"\` updated the token \`\`\`${JSON.stringify(forged)}\`\`\``);
    // Plain names stay as they are.
    expect(auditEntryListingView({ ...entry, name: "ci-deploy (O'Brien) 2.0" }).title).toBe(
      "m1@example.com updated the token ci-deploy (O'Brien) 2.0",
    );
  });
});

describe("the audit log's reader", () => {
  /** An admin of `account`, calling with an admin token. */
  const adminOf = (account: string) =>
    buildPrincipal({
      accountId: account,
      tokenId: 'admin-token',
      tokenName: 'admin',
      serviceToken: false,
      memberId: 'admin',
      member: { role: 'admin', customRoles: [], email: 'admin@example.com', isOwner: false },
      scope: { kind: 'role', role: 'admin' },
      roles: new Map(),
    });

  it("shows an account's admins their account's entries only, by list, search or id", async () => {
    const [mine, theirs] = [accountId(), accountId()];
    for (const account of [mine, theirs]) {
      const { token } = newToken({
        accountId: account,
        memberId: 'm1',
        serviceToken: false,
        name: `shared-name ${account}`,
        scope: { kind: 'role', role: 'reader' },
      });
      await recordAudit(streamRecord('INSERT', undefined, tokenItem(token, changeStamp())));
    }
    const audit = auditService({ audit: auditRepo });
    const [theirEntry] = (await auditRepo.page(theirs, { count: 1 })).items;
    const listed = await audit.list(adminOf(mine), { limit: 20, q: 'shared-name' });
    expect(listed.items.map((e) => e.accountId)).toEqual([mine]);
    await expect(audit.get(adminOf(mine), theirEntry!.id)).rejects.toMatchObject({ kind: 'not_found' });
    expect((await audit.get(adminOf(theirs), theirEntry!.id)).accountId).toBe(theirs);
  });

  it("reads the acting member and token once for a whole batch's entries, and each entry names them", async () => {
    const account = accountId();
    const stamp = withChangeContext(actor, origin, () => changeStamp());
    const records = Array.from({ length: 10 }, (_, i) => {
      const { token } = newToken({
        accountId: account,
        memberId: 'm1',
        serviceToken: false,
        name: `batch-${i}`,
        scope: { kind: 'role', role: 'reader' },
      });
      return streamRecord('INSERT', undefined, tokenItem(token, stamp));
    });
    // What reaches DynamoDB Local, seen by a middleware of the real client (nothing is mocked).
    const reads: string[] = [];
    const name = `count-reads-${randomUUID()}`;
    dynamoBase().middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'GetItemCommand')
          reads.push(String((args.input as { TableName?: string }).TableName));
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await withBatchLookups(async () => {
        for (const record of records) await recordAudit(record);
      });
      const oneByOne = reads.length;
      reads.length = 0;
      for (const record of records.slice(0, 3)) await recordAudit({ ...record, eventID: randomUUID() });
      // In a batch: one read of the member and one of the token; outside one, both for each record.
      expect(oneByOne).toBe(2);
      expect(reads).toHaveLength(6);
    } finally {
      dynamoBase().middlewareStack.remove(name);
    }
    const { items } = await auditRepo.page(account, { count: 50 });
    expect(items).toHaveLength(13);
    for (const entry of items)
      expect(entry).toMatchObject({ member: { memberId: 'm1' }, token: { tokenId: 't0' } });
  });
});
