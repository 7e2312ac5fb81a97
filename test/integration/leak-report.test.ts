import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type TokenRecord, tokenRepo } from '../../shared/data/token-repo.js';
import { DomainError } from '../../shared/services/errors.js';
import { leakService } from '../../shared/services/leak-service.js';
import { newToken } from '../../shared/services/token-factory.js';

// A leak report racing with the token's own member, against DynamoDB Local: the member's real
// writes land between the report's read and its revocation, so the version guard refuses it.

async function liveToken(): Promise<{ token: TokenRecord; secret: string }> {
  const made = newToken({
    accountId: `leak-${randomUUID()}`,
    memberId: 'm1',
    serviceToken: false,
    name: 'racing',
    scope: { kind: 'role', role: 'reader' },
  });
  await tokenRepo.create(made.token);
  return made;
}

/** The token repository, but before each revocation the token is renamed (a real write). */
function racing(times: number): typeof tokenRepo {
  let left = times;
  return {
    ...tokenRepo,
    async revokeAsRead(token, revocation) {
      if (left-- > 0) {
        const now = (await tokenRepo.get(token.accountId, token.tokenId, true))!;
        await tokenRepo.update(now, { ...now, name: `renamed-${left}`, version: now.version + 1 });
      }
      return tokenRepo.revokeAsRead(token, revocation);
    },
  };
}

describe('a leak report racing with changes to the token', () => {
  it('reads the token again and revokes it when it changed a few times meanwhile', async () => {
    const { token, secret } = await liveToken();
    expect(await leakService({ tokens: racing(3) }).report([secret])).toBe(1);
    expect(await tokenRepo.get(token.accountId, token.tokenId, true)).toBeUndefined();
    expect(await tokenRepo.revocation(token.accountId, token.tokenId)).toMatchObject({ reason: 'leaked' });
  });

  it('answers a 409 that says to send it again, never a fault, when the token never holds still', async () => {
    const { token, secret } = await liveToken();
    const report = leakService({ tokens: racing(100) }).report([secret]);
    await expect(report).rejects.toBeInstanceOf(DomainError);
    await expect(report).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(/send the report again/),
    });
    // Nothing half-done: the token is still there, as its member last wrote it; a second report revokes it.
    expect((await tokenRepo.get(token.accountId, token.tokenId, true))?.name).toMatch(/^renamed-/);
    expect(await leakService({ tokens: tokenRepo }).report([secret])).toBe(1);
  });
});
