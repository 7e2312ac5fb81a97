import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { withChangeContext } from '../../shared/data/change-context.js';
import { tokenRepo } from '../../shared/data/token-repo.js';
import { hashSecret } from '../../shared/domain/token-format.js';
import { DAY_MS } from '../../shared/domain/token-lifecycle.js';
import { revokeInactiveTokens, sendExpiryReminders } from '../../shared/services/lifecycle-sweeper.js';
import { type Api, addMember, type Invited } from '../support/api.js';
import { within } from '../support/eventually.js';
import { startTestStack } from '../support/stack.js';

// The local stack runs many requests at once in one process, with the stream handlers and the
// sweeps beside them: each change's audit entry names the request that made it (its member, token,
// source address, User-Agent), never another one running at the same time; and what the sweeps do
// is the system's, whatever context they were started from.
let stack: LocalStack;
let api: Api;
let owner: string;

beforeAll(async () => {
  ({ stack, api, ownerToken: owner } = await startTestStack(0));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

interface Entry {
  _id: string;
  titleVerb: string;
  accesses: { action: string; resource: string }[];
  member?: { _id: string };
  token?: { _id: string };
  _actor: string;
  _sourceAddress?: string;
  _userAgent?: string;
  _requestId?: string;
  _cause?: string;
}

interface Reply {
  status: number;
  requestId: string;
  body: any;
}

/** A call from a source address of its own (any 127.0.0.0/8 address is this host's), with its own User-Agent. */
function send(token: string, from: string, agent: string, method: string, path: string, body?: unknown) {
  const url = new URL(`/api/v2${path}`, stack.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method,
        localAddress: from,
        agent: false,
        headers: {
          Authorization: token,
          'User-Agent': agent,
          ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            requestId: String(res.headers['x-request-id']),
            body: text === '' ? undefined : JSON.parse(text),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function allEntries(): Promise<Entry[]> {
  const entries: Entry[] = [];
  let path: string | undefined = '/auditlog?limit=20';
  while (path !== undefined) {
    const reply: { status: number; body: any } = await api.get(owner, path);
    expect(reply.status).toBe(200);
    entries.push(...reply.body.items);
    path = reply.body._links.next?.href.replace('/api/v2', '');
  }
  return entries;
}

describe('change attribution under concurrency', () => {
  let members: Invited[];

  beforeAll(async () => {
    members = [];
    for (let i = 0; i < 6; i++) members.push(await addMember(api, owner, 'writer'));
  }, 60_000);

  it("30 concurrent changes by different members: each entry names its own request's member, token, address and agent", async () => {
    // Half the requests create a token, half rename one made beforehand (each its own, so that no
    // request is refused for another's change).
    const premade = new Map<number, string>();
    for (let i = 1; i < 30; i += 2) {
      const made = await send(members[i % 6]!.token, '127.0.0.1', 'setup', 'POST', '/tokens', {
        name: `pre-${i}`,
        role: 'reader',
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      premade.set(i, made.body._id);
    }
    const requests = Array.from({ length: 30 }, (_, i) => ({
      caller: members[i % 6]!,
      from: `127.0.0.${i + 2}`,
      agent: `agent-${i}/1.${i}`,
      i,
    }));
    const replies = await Promise.all(
      requests.map(({ caller, from, agent, i }) =>
        i % 2 === 0
          ? send(caller.token, from, agent, 'POST', '/tokens', { name: `made-${i}`, role: 'reader' })
          : send(caller.token, from, agent, 'PATCH', `/tokens/${premade.get(i)}`, [
              { op: 'replace', path: '/name', value: `renamed-${i}` },
            ]),
      ),
    );
    // A busy machine may refuse some with a 503 before they reach a handler: those changed nothing.
    const done = requests
      .map((request, n) => ({ ...request, reply: replies[n]! }))
      .filter(({ reply }) => reply.status === 200 || reply.status === 201);
    expect(done.length, JSON.stringify(replies.map((r) => r.status))).toBeGreaterThanOrEqual(20);
    for (const { reply } of done) expect(reply.requestId).toMatch(/\S/);

    const byRequest = new Map(done.map((d) => [d.reply.requestId, d]));
    let entries: Entry[] = [];
    // Every change reaches the log through the stream handlers: slow on a busy CI machine.
    await within(60_000, async () => {
      entries = (await allEntries()).filter((e) => e._requestId !== undefined && byRequest.has(e._requestId));
      return entries.length >= done.length;
    });
    // One entry per change, and each names its own request's actor and origin.
    expect(entries).toHaveLength(done.length);
    for (const entry of entries) {
      const { caller, from, agent, i } = byRequest.get(entry._requestId!)!;
      expect(entry, JSON.stringify(entry)).toMatchObject({
        _actor: 'token',
        member: { _id: caller.memberId },
        token: { _id: caller.tokenId },
        _userAgent: agent,
        titleVerb: i % 2 === 0 ? 'created the token' : 'updated the token',
      });
      expect(entry._sourceAddress).toMatch(new RegExp(`^(::ffff:)?${from.replaceAll('.', '\\.')}$`));
      expect(entry._cause).toBeUndefined();
    }
  }, 120_000);

  it('the sweeps act as the system even when started from inside a request', async () => {
    const start = Date.now();
    // The owner's token stays in use (its last use 20 days on), so that the log can be read after.
    const ownerTokenId = (await api.get(owner, '/caller-identity')).body.tokenId as string;
    const ownerRecord = (await tokenRepo.get(stack.accountId, ownerTokenId, true))!;
    expect(await tokenRepo.touchLastUsed(ownerRecord, hashSecret(owner), start + 20 * DAY_MS, 60_000)).toBe(
      true,
    );
    const set = await api.call(owner, 'PUT', '/account/token-policy', {
      body: { maxLifetimeDays: null, requireExpiry: false, inactivityDays: 30, serviceTokensAllowed: true },
    });
    expect(set.status).toBe(200);
    const idle = await api.post(owner, '/tokens', { name: 'idle', role: 'reader' });
    expect(idle.status).toBe(201);

    // A sweep run inside a request's context (as a timer or promise made during a request would
    // be), and inside the stream handler's (the system's own): its changes are the system's.
    const member = members[0]!;
    const requestContext = {
      kind: 'token' as const,
      member: { memberId: member.memberId, email: member.email },
      token: { tokenId: member.tokenId, name: 'leaky', serviceToken: false },
    };
    const revoked = await withChangeContext(
      requestContext,
      { sourceIp: '203.0.113.7', userAgent: 'request-agent/9', requestId: 'request-in-flight' },
      async () => {
        await sendExpiryReminders(start + 31 * DAY_MS);
        return revokeInactiveTokens(start + 31 * DAY_MS);
      },
    );
    expect(revoked).toBeGreaterThanOrEqual(1);
    const revocation = await tokenRepo.revocation(stack.accountId, idle.body._id);
    expect(revocation).toMatchObject({ reason: 'inactive' });
    expect(revocation!.lastChange).toMatchObject({ actor: { kind: 'system' } });
    expect(revocation!.lastChange).not.toHaveProperty('userAgent');
    expect(revocation!.lastChange).not.toHaveProperty('sourceIp');
    expect(revocation!.lastChange).not.toHaveProperty('requestId');

    const resource = `member/${(await api.get(owner, '/caller-identity')).body.memberId}:token/${idle.body._id}`;
    // The sweep revoked every unused token of the account (some forty), each a stream record the
    // handlers describe one by one: on a busy machine that takes a while.
    let entry: Entry | undefined;
    let seen: Entry[] = [];
    await within(60_000, async () => {
      seen = await allEntries();
      entry = seen.find(
        (e) => e.accesses.some((a) => a.resource === resource) && e.titleVerb.startsWith('revoked'),
      );
      return entry !== undefined;
    }).catch((error: Error) => {
      const about = seen.filter((e) => e.accesses.some((a) => a.resource === resource));
      throw new Error(`${error.message}; ${seen.length} entries, of this token: ${JSON.stringify(about)}`);
    });
    expect(entry).toMatchObject({ _actor: 'system' });
    expect(entry!.member).toBeUndefined();
    expect(entry!.token).toBeUndefined();
    expect(entry!._userAgent).toBeUndefined();
    expect(entry!._sourceAddress).toBeUndefined();
    expect(entry!._requestId).toBeUndefined();
  }, 120_000);
});
