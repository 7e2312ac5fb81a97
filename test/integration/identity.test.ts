import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, Api, addMember, newAccount } from '../support/api.js';

const api = new Api();
let account: Account;

beforeAll(async () => {
  account = await newAccount();
});

describe('caller identity', () => {
  it('describes the calling token', async () => {
    const reply = await api.get(account.ownerToken, '/caller-identity');
    expect(reply.body).toMatchObject({
      accountId: account.accountId,
      memberId: account.ownerId,
      tokenKind: 'personal',
      serviceToken: false,
    });
  });

  it('check gives the effective decision and which side denied', async () => {
    const member = await addMember(api, account.ownerToken, 'reader');
    const writerToken = await api.post(account.ownerToken, '/tokens', { name: 'w', role: 'writer' });
    const allowed = await api.post(writerToken.body.token, '/caller-identity/check', {
      action: 'updateOn',
      resource: 'proj/a:env/test:flag/f',
    });
    expect(allowed.body.allowed).toBe(true);
    const byMember = await api.post(member.token, '/caller-identity/check', {
      action: 'updateOn',
      resource: 'proj/a:env/test:flag/f',
    });
    expect(byMember.body).toMatchObject({ allowed: false, deniedBy: 'token' });
    await api.patch(account.ownerToken, `/members/${member.memberId}`, [
      { op: 'replace', path: '/role', value: 'no_access' },
    ]);
    const none = await api.post(member.token, '/caller-identity/check', {
      action: 'viewProject',
      resource: 'proj/a',
    });
    expect(none.body).toMatchObject({ allowed: false, deniedBy: 'member' });
  });

  it.each([
    [{ action: 'fly', resource: 'proj/a' }, 'action'],
    [{ action: 'viewProject', resource: 'planet/mars' }, 'resource'],
    [{ action: 'viewProject' }, 'resource'],
  ])('a bad check %j is a 400 naming %s', async (body, field) => {
    const reply = await api.post(account.ownerToken, '/caller-identity/check', body);
    expect(reply.status).toBe(400);
    expect(reply.body.message).toContain(field);
  });
});
