import { describe, expect, it } from 'vitest';
import { Api, addMember, newAccount } from '../support/api.js';

describe('smoke', () => {
  it('works', async () => {
    const api = new Api();
    const { ownerToken } = await newAccount();
    const me = await api.get(ownerToken, '/caller-identity');
    expect(me.status).toBe(200);
    const created = await api.post(ownerToken, '/tokens', { name: 'ci', role: 'writer' });
    expect(created.status).toBe(201);
    const w = await addMember(api, ownerToken, 'writer');
    const list = await api.get(w.token, '/tokens');
    expect(list.body.totalCount).toBe(1);
  });
});
