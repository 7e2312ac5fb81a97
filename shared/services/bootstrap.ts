import { memberRepo } from '../data/member-repo.js';
import { resourceRepo } from '../data/resource-repo.js';
import { type TokenRecord, tokenRepo } from '../data/token-repo.js';
import { accessTokenFormat, hashSecret, newId, obscure } from '../domain/token-format.js';

export interface BootstrapInput {
  readonly accountId: string;
  readonly accountName: string;
  readonly ownerEmail: string;
}

export type BootstrapResult =
  | { readonly created: true; readonly ownerId: string; readonly ownerToken: string }
  | { readonly created: false; readonly ownerId: string };

/**
 * Creates an account, its owner and the owner's first token in one transaction, once: on an
 * account that exists it changes nothing (and never shows a token again).
 */
export async function bootstrapAccount(input: BootstrapInput): Promise<BootstrapResult> {
  const existing = await resourceRepo.getAccount(input.accountId);
  if (existing !== undefined) return { created: false, ownerId: existing.ownerId };
  const now = Date.now();
  const ownerId = newId();
  const secret = accessTokenFormat.generate();
  const token: TokenRecord = {
    accountId: input.accountId,
    tokenId: newId(),
    memberId: ownerId,
    serviceToken: false,
    name: 'Owner token',
    description: 'Created with the account',
    scope: { kind: 'role', role: 'admin' },
    creationDate: now,
    lastModified: now,
    last4: obscure(secret),
    hash: hashSecret(secret),
    version: 1,
  };
  await tokenRepo.create(token, [
    resourceRepo.accountItem({
      accountId: input.accountId,
      name: input.accountName,
      ownerId,
      creationDate: now,
    }),
    ...memberRepo.newMemberItems({
      member: {
        accountId: input.accountId,
        memberId: ownerId,
        email: input.ownerEmail.toLowerCase(),
        role: 'owner',
        customRoles: [],
        creationDate: now,
        version: 1,
      },
    }),
  ]);
  return { created: true, ownerId, ownerToken: secret };
}
