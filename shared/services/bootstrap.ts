import { type Repositories, repositories } from '../data/repositories.js';
import { newId } from '../domain/token-format.js';
import { newToken } from './token-factory.js';

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
export async function bootstrapAccount(
  input: BootstrapInput,
  { tokens, members, resources }: Pick<Repositories, 'tokens' | 'members' | 'resources'> = repositories,
): Promise<BootstrapResult> {
  const existing = await resources.getAccount(input.accountId);
  if (existing !== undefined) return { created: false, ownerId: existing.ownerId };
  const now = Date.now();
  const ownerId = newId();
  const { token, secret } = newToken(
    {
      accountId: input.accountId,
      memberId: ownerId,
      serviceToken: false,
      name: 'Owner token',
      description: 'Created with the account',
      scope: { kind: 'role', role: 'admin' },
    },
    now,
  );
  await tokens.create(token, [
    resources.accountItem({
      accountId: input.accountId,
      name: input.accountName,
      ownerId,
      creationDate: now,
    }),
    ...members.newMemberItems({
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
