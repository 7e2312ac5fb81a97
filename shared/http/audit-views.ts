import type { z } from 'zod';
import type { AuditEntryRecord, AuditPage } from '../data/audit-repo.js';
import { markdownText } from '../domain/markdown-text.js';
import type { auditEntriesSchema, auditEntryListingSchema, auditEntrySchema } from '../schemas/audit.js';
import { API_BASE } from './routes.js';
import { link, selfLink } from './views.js';

export type AuditEntryListingView = z.infer<typeof auditEntryListingSchema>;
export type AuditEntryView = z.infer<typeof auditEntrySchema>;
export type AuditEntriesView = z.infer<typeof auditEntriesSchema>;

/** Who acted, as LaunchDarkly's `title` begins: the member, else the token, else the system. */
function actorLabel(entry: AuditEntryRecord): string {
  if (entry.member?.email !== undefined) return markdownText(entry.member.email);
  if (entry.token !== undefined) return `token ${markdownText(entry.token.name)}`;
  return entry.actorKind === 'system' ? 'The system' : 'A caller without credentials';
}

/** An entry in LaunchDarkly's listing shape (AuditLogEntryListingRep), with this service's `_` fields. */
export function auditEntryListingView(entry: AuditEntryRecord): AuditEntryListingView {
  const { member, token } = entry;
  return {
    _links: { self: link(`/auditlog/${entry.id}`), parent: link('/auditlog') },
    _id: entry.id,
    _accountId: entry.accountId,
    date: entry.date,
    accesses: entry.accesses.map((a) => ({ action: a.action, resource: a.resource })),
    kind: entry.kind,
    name: entry.name,
    description: entry.description,
    shortDescription: entry.shortDescription,
    titleVerb: entry.titleVerb,
    // Names are the callers' own: quoted unless plain, so that none forges a title (markdown-text.ts).
    title: `${actorLabel(entry)} ${entry.titleVerb} ${markdownText(entry.name)}`,
    ...(member !== undefined
      ? {
          member: {
            _links: selfLink(`/members/${member.memberId}`),
            _id: member.memberId,
            ...(member.email !== undefined ? { email: member.email } : {}),
            ...(member.firstName !== undefined ? { firstName: member.firstName } : {}),
            ...(member.lastName !== undefined ? { lastName: member.lastName } : {}),
          },
        }
      : {}),
    ...(token !== undefined
      ? {
          token: {
            _links: selfLink(`/tokens/${token.tokenId}`),
            _id: token.tokenId,
            name: token.name,
            ...(token.ending !== undefined ? { ending: token.ending } : {}),
            serviceToken: token.serviceToken,
          },
        }
      : {}),
    target: { name: entry.target.name, resources: [...entry.target.resources] },
    _actor: entry.actorKind,
    ...(entry.sourceIp !== undefined ? { _sourceAddress: entry.sourceIp } : {}),
    ...(entry.userAgent !== undefined ? { _userAgent: entry.userAgent } : {}),
    ...(entry.requestId !== undefined ? { _requestId: entry.requestId } : {}),
    ...(entry.cause !== undefined ? { _cause: entry.cause } : {}),
  };
}

/** The detailed entry (AuditLogEntryRep): the listing, and the item before and after the change. */
export function auditEntryView(entry: AuditEntryRecord): AuditEntryView {
  return {
    ...auditEntryListingView(entry),
    ...(entry.previousVersion !== undefined ? { previousVersion: { ...entry.previousVersion } } : {}),
    ...(entry.currentVersion !== undefined ? { currentVersion: { ...entry.currentVersion } } : {}),
  };
}

/**
 * LaunchDarkly's collection: `items` and `_links`; `next` asks for the entries before the oldest
 * one here, with the same filters (a page never ends inside a millisecond, see audit-repo.ts).
 */
export function auditEntriesView(
  page: AuditPage,
  query: Readonly<Record<string, string | number | undefined>>,
): AuditEntriesView {
  const href = (params: Readonly<Record<string, string | number | undefined>>) => {
    const defined = Object.entries(params).filter(([, v]) => v !== undefined);
    const search = new URLSearchParams(defined.map(([k, v]): [string, string] => [k, String(v)]));
    const text = search.toString();
    return { href: `${API_BASE}/auditlog${text ? `?${text}` : ''}`, type: 'application/json' as const };
  };
  return {
    items: page.items.map(auditEntryListingView),
    _links: {
      self: href(query),
      ...(page.moreBefore !== undefined ? { next: href({ ...query, before: page.moreBefore }) } : {}),
    },
  };
}
