import { useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Member } from '../api/types';
import { formatDate } from './format';
import { TextField } from './forms';
import { PageHeading } from './page-heading';
import { ResourceView } from './states';
import { useResource } from './use-resource';

/** An audit log entry as the API lists it (GET /auditlog: LaunchDarkly's AuditLogEntryListingRep). */
interface AuditEntry {
  readonly _id: string;
  readonly date: number;
  readonly kind: string;
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly member?: { readonly _id: string; readonly email?: string };
  readonly token?: { readonly _id: string; readonly name: string; readonly ending?: string };
  readonly _actor: string;
  readonly _sourceAddress?: string;
  readonly _userAgent?: string;
}

interface AuditPage {
  readonly items: readonly AuditEntry[];
  readonly _links: { readonly next?: { readonly href: string } };
}

const PAGE_SIZE = 20;

/** The `before` of the next page, from its link (the API's cursor is the oldest date shown). */
const beforeOf = (page: AuditPage): number | undefined => {
  const next = page._links.next?.href;
  const before = next === undefined ? null : new URL(next, location.origin).searchParams.get('before');
  return before === null ? undefined : Number(before);
};

function actorOf(entry: AuditEntry): string {
  if (entry.member?.email !== undefined)
    return entry.token !== undefined
      ? `${entry.member.email} with token ${entry.token.name}`
      : entry.member.email;
  if (entry.token !== undefined) return `Service token ${entry.token.name}`;
  return entry._actor === 'system' ? 'The system' : 'No credentials';
}

/** For admins: who changed which token, member or role, when and from where, newest first. */
export function AuditPage(_: { me: Member }) {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  // The `before` of each page shown so far: the first page has none.
  const [cursors, setCursors] = useState<readonly (number | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const [page, reload] = useResource(
    () => api.get<AuditPage>('/auditlog', { limit: PAGE_SIZE, q: query || undefined, before }),
    `${query}|${before ?? ''}`,
  );
  return (
    <>
      <PageHeading>Audit log</PageHeading>
      <p>
        Every change to tokens, members and custom roles: who made it (the member, and the token they used),
        when, and from which address and client. The system's own changes (expiries, revocations) are here
        too.
      </p>
      <form
        class="search"
        onSubmit={(event) => {
          event.preventDefault();
          const next = search.trim();
          // The same search on the first page changes no key: load it again, for what came since.
          if (next === query && cursors.length === 1) void reload();
          setQuery(next);
          setCursors([undefined]);
        }}
      >
        <TextField
          id="audit-search"
          label="Search (name, e-mail, kind or description)"
          value={search}
          onValue={setSearch}
        />
        <button type="submit">Search</button>
      </form>
      <ResourceView
        resource={page}
        what="the audit log"
        retry={() => void reload()}
        isEmpty={(data) => data.items.length === 0 && cursors.length === 1}
        empty={<p>No entries{query ? ` match "${query}"` : ''}.</p>}
      >
        {(data) => (
          <>
            <div class="table-wrap">
              <table>
                <caption>Audit log entries, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">What</th>
                    <th scope="col">From</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((entry) => (
                    <tr key={entry._id}>
                      <td>{formatDate(entry.date)}</td>
                      <th scope="row">{actorOf(entry)}</th>
                      <td>
                        {entry.title}
                        {entry.description !== '' && <pre class="audit-details">{entry.description}</pre>}
                      </td>
                      <td>
                        {entry._sourceAddress ?? ''}
                        {entry._userAgent !== undefined && <div class="muted">{entry._userAgent}</div>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div class="pager">
              <button
                type="button"
                disabled={cursors.length === 1}
                onClick={() => setCursors(cursors.slice(0, -1))}
              >
                Newer
              </button>
              <button
                type="button"
                disabled={beforeOf(data) === undefined}
                onClick={() => setCursors([...cursors, beforeOf(data)])}
              >
                Older
              </button>
            </div>
          </>
        )}
      </ResourceView>
    </>
  );
}
