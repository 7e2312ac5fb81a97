import { beforeAll, describe, expect, it } from 'vitest';
import { tokenRepo } from '../../shared/data/token-repo.js';
import { hashSecret } from '../../shared/domain/token-format.js';
import { endGracePeriods } from '../../shared/services/grace-sweeper.js';
import { type Account, Api, newAccount } from '../support/api.js';

const api = new Api();
let account: Account;

beforeAll(async () => {
  account = await newAccount();
});

describe('the grace sweeper', () => {
  it('ends the grace periods that have passed, and only those', async () => {
    const ending = (await api.post(account.ownerToken, '/tokens', { name: 'ending', role: 'reader' })).body;
    const lasting = (await api.post(account.ownerToken, '/tokens', { name: 'lasting', role: 'reader' })).body;
    await api.post(account.ownerToken, `/tokens/${ending._id}/reset`, undefined, {
      expiry: String(Date.now() + 200),
    });
    await api.post(account.ownerToken, `/tokens/${lasting._id}/reset`, undefined, {
      expiry: String(Date.now() + 3_600_000),
    });
    expect(await tokenRepo.getHash(hashSecret(ending.token))).toBeDefined();

    await new Promise((r) => setTimeout(r, 300));
    expect(await endGracePeriods()).toBeGreaterThanOrEqual(1);
    expect(await tokenRepo.getHash(hashSecret(ending.token))).toBeUndefined();
    expect(await tokenRepo.getHash(hashSecret(lasting.token))).toBeDefined();
    expect((await api.get(lasting.token, '/caller-identity')).status).toBe(200);
    // A second run finds nothing more of this account's to end.
    await endGracePeriods();
    expect(await tokenRepo.getHash(hashSecret(lasting.token))).toBeDefined();
  });
});
