import type { AuditEntryRecord, AuditPage, auditRepo } from '../data/audit-repo.js';
import { AUDIT_ID } from '../data/audit-repo.js';
import {
  compileResourceSpec,
  parseResource,
  ResourceSyntaxError,
  resourceMatches,
  resources,
} from '../domain/resource.js';
import { ensureAllowed } from './authorize.js';
import { invalid, notFound } from './errors.js';
import type { Principal } from './principal.js';

export interface AuditListCommand {
  readonly before?: number;
  readonly after?: number;
  /** Matched case-insensitively against an entry's name, kind, descriptions, acting member's e-mail, acting token's name and resources. */
  readonly q?: string;
  /** A resource specifier (`member/*:token/*`): entries acting on a resource it matches. */
  readonly spec?: string;
  readonly limit: number;
}

/** Whether any resource an entry acted on matches the specifier. */
function specFilter(spec: string): (entry: AuditEntryRecord) => boolean {
  let compiled: ReturnType<typeof compileResourceSpec>;
  try {
    compiled = compileResourceSpec(spec);
  } catch (error) {
    if (error instanceof ResourceSyntaxError) throw invalid(`spec: ${error.message}`);
    throw error;
  }
  return (entry) =>
    entry.accesses.some((access) => {
      try {
        return resourceMatches(compiled, parseResource(access.resource));
      } catch {
        return false;
      }
    });
}

/** Reading the audit log: `viewAuditLog` on `acct` (admins and owners, or a custom role that grants it). */
export function auditService({ audit }: { readonly audit: typeof auditRepo }) {
  return {
    /** Newest first; `moreBefore` is where the next page starts. */
    async list(principal: Principal, command: AuditListCommand): Promise<AuditPage> {
      ensureAllowed(principal, 'viewAuditLog', resources.account());
      return audit.page(principal.accountId, {
        ...(command.before !== undefined ? { before: command.before } : {}),
        ...(command.after !== undefined ? { after: command.after } : {}),
        ...(command.q !== undefined ? { text: command.q.toLowerCase() } : {}),
        ...(command.spec !== undefined ? { accept: specFilter(command.spec) } : {}),
        count: command.limit,
      });
    },

    async get(principal: Principal, id: string): Promise<AuditEntryRecord> {
      ensureAllowed(principal, 'viewAuditLog', resources.account());
      const entry = AUDIT_ID.test(id) ? await audit.get(principal.accountId, id) : undefined;
      if (entry === undefined) throw notFound('audit log entry');
      return entry;
    },
  };
}

export type AuditService = ReturnType<typeof auditService>;
