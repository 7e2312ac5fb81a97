import type { ComponentChildren } from 'preact';
import type { Member, Token } from '../api/types';
import { describeScope, scopeOf } from '../api/types';
import { DataTable } from './data-table';
import { formatDate, memberName, obscured } from './format';

export const isOwn = (token: Token, me: Member) => !token.serviceToken && token.ownerId === me._id;

export function whose(token: Token): string {
  if (token.serviceToken) return 'Service token (the account)';
  return token._member !== undefined ? memberName(token._member) : token.memberId;
}

/** The tokens as a table; `actions` renders each row's buttons. Values are never shown: only their last four characters. */
export function TokenTable({
  caption,
  tokens,
  showMember,
  actions,
}: {
  caption: string;
  tokens: readonly Token[];
  showMember: boolean;
  actions: (token: Token) => ComponentChildren;
}) {
  return (
    <DataTable
      caption={caption}
      columns={['Name', showMember && 'Member', 'Scope', 'Created', 'Last used', 'Token']}
    >
      {tokens.map((token) => (
        <tr key={token._id} data-token-id={token._id}>
          <th scope="row">{token.name}</th>
          {showMember && <td>{whose(token)}</td>}
          <td>
            {describeScope(scopeOf(token))}
            {token.allowedCidrs !== undefined && (
              <div class="token-ranges">from {token.allowedCidrs.join(', ')} only</div>
            )}
          </td>
          <td>{formatDate(token.creationDate)}</td>
          <td>{formatDate(token.lastUsed)}</td>
          <td>
            <span class="visually-hidden">Ends in {token.token}</span>
            <code class="obscured" aria-hidden="true">
              {obscured(token.token)}
            </code>
          </td>
          <td class="row-actions">{actions(token)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
