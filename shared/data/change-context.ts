import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * Who makes a change, and from where: what the audit log says of each change (API.md "Token
 * lifecycle"). The log is written from the streams, and a stream record holds only the item, so
 * every write of an audited item carries its change's stamp (`lastChange`), and every delete puts a
 * tombstone with the stamp in the same transaction (a REMOVE's old image cannot say who deleted it).
 *
 * The stamp comes from the context the write runs in, held here for the request (or the stream
 * batch, or the sweep) rather than passed down through every service and repository: a write path
 * cannot forget it, and a new one (a new revocation reason, a new field) is stamped without a line
 * of its own. The API chain opens the context for each request (shared/http/api-handler.ts), the
 * stream handlers and sweepers for each run, as the system.
 */
export type ActorKind = 'member' | 'token' | 'system' | 'anonymous';

export interface ChangeActor {
  readonly kind: ActorKind;
  /** The acting member: a member calling with a personal token or a console session, or the invited member accepting. */
  readonly member?: { readonly memberId: string; readonly email?: string };
  /** The acting access token (not a console session: a session is the member's own doing). */
  readonly token?: {
    readonly tokenId: string;
    readonly name: string;
    readonly serviceToken: boolean;
    /** The last characters of the presented secret, when known. */
    readonly ending?: string;
  };
}

/** Where a request came from: recorded with each change it made. */
export interface ChangeOrigin {
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly requestId?: string;
}

/** The attribute every audited write carries (`lastChange`), and every tombstone. */
export interface ChangeStamp extends ChangeOrigin {
  /** Unique per write: an item whose stamp did not change (a `lastUsed` touch) was not changed by anyone. */
  readonly id: string;
  /** Epoch ms. */
  readonly at: number;
  readonly actor: ChangeActor;
  /** Why the system made the change, when it acted on another's behalf (e.g. `member_removed`). */
  readonly cause?: string;
}

interface ChangeContext {
  actor: ChangeActor;
  origin: ChangeOrigin;
  cause?: string;
}

const SYSTEM: ChangeActor = { kind: 'system' };
const storage = new AsyncLocalStorage<ChangeContext>();

/** Runs `fn` with the changes it makes stamped as made by `actor` from `origin`. */
export function withChangeContext<T>(actor: ChangeActor, origin: ChangeOrigin, fn: () => T): T {
  return storage.run({ actor, origin }, fn);
}

/**
 * From here on in this context, changes are made by `actor` (a public route learns who is acting
 * only once the credential it carries is checked: an invitation code, an ID token).
 */
export function actingAs(actor: ChangeActor): void {
  const context = storage.getStore();
  if (context !== undefined) context.actor = actor;
}

/**
 * Runs `fn` with the changes it makes stamped as the system acting for `stamp`'s change (its actor
 * and origin kept, `cause` saying why): a member's removal revokes their tokens in the stream
 * handler, on behalf of whoever removed them.
 */
export function onBehalfOf<T>(stamp: ChangeStamp | undefined, cause: string, fn: () => T): T {
  if (stamp === undefined) return storage.run({ actor: SYSTEM, origin: {}, cause }, fn);
  const { actor, sourceIp, userAgent, requestId } = stamp;
  const origin = { ...optional({ sourceIp, userAgent, requestId }) };
  return storage.run({ actor, origin, cause }, fn);
}

const optional = <T extends object>(fields: T) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The stamp for one write made now. Outside any context (a script, a test calling a service
 * directly) the system made it.
 */
export function changeStamp(at = Date.now()): ChangeStamp {
  const context = storage.getStore();
  return {
    id: randomUUID(),
    at,
    actor: context?.actor ?? SYSTEM,
    ...optional(context?.origin ?? {}),
    ...(context?.cause !== undefined ? { cause: context.cause } : {}),
  };
}
