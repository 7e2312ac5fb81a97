import type { MemberRecord } from '../../shared/data/member-repo.js';
import { repositories } from '../../shared/data/repositories.js';
import { flushAuthorizerCache } from '../../shared/events/authorizer-cache.js';
import { apiHandler, noContent, ok } from '../../shared/http/api-handler.js';
import { applyJsonPatch } from '../../shared/http/json-patch.js';
import {
  type MemberFilter,
  memberMatches,
  parseMemberFilter,
  sortMembers,
} from '../../shared/http/member-filter.js';
import { paginate, paginationSchema } from '../../shared/http/pagination.js';
import { API_BASE } from '../../shared/http/routes.js';
import { parseInput } from '../../shared/http/validation.js';
import { memberView, selfLink } from '../../shared/http/views.js';
import {
  editableMemberSchema,
  inviteSchema,
  listMembersQuerySchema,
  type MembersInstruction,
  membersPatchSchema,
} from '../../shared/schemas/member.js';
import { type MemberChange, memberService } from '../../shared/services/member-service.js';
import type { Principal } from '../../shared/services/principal.js';

const members = memberService(repositories);

const WRITABLE = /^\/(role|customRoles(\/.*)?)$/;

/** A JSON Patch of the member's representation, as the change it makes (only the fields it touches). */
function changeFromPatch(member: MemberRecord, body: unknown): MemberChange {
  const { document, touched } = applyJsonPatch(memberView(member), body, (pointer) => WRITABLE.test(pointer));
  const edited = parseInput(editableMemberSchema, { role: document.role, customRoles: document.customRoles });
  return {
    ...(touched.has('role') ? { role: edited.role } : {}),
    ...(touched.has('customRoles') ? { customRoles: edited.customRoles } : {}),
  };
}

/** The members an instruction names: its `memberIDs`, or (for the `All` kinds) those its filters select. */
async function targetsOf(principal: Principal, instruction: MembersInstruction): Promise<string[]> {
  if ('memberIDs' in instruction) return instruction.memberIDs;
  const filter: MemberFilter = {
    ...(instruction.filterQuery !== undefined ? { query: instruction.filterQuery } : {}),
    ...(instruction.filterRoles !== undefined ? { roles: instruction.filterRoles.split('|') } : {}),
    ...(instruction.filterLastSeen !== undefined ? { lastSeen: instruction.filterLastSeen } : {}),
  };
  const ignored = new Set(instruction.ignoredMemberIDs ?? []);
  return (await members.list(principal))
    .filter((m) => !ignored.has(m.memberId) && m.role !== 'owner' && memberMatches(m, filter))
    .map((m) => m.memberId);
}

/** LaunchDarkly's `replace*Roles` also removes every custom role; `replace*CustomRoles` sets them. */
const changeOf = (instruction: MembersInstruction): MemberChange =>
  'value' in instruction ? { role: instruction.value, customRoles: [] } : { customRoles: instruction.values };

export const handler = apiHandler(
  'members',
  {
    'GET /api/v2/members': async (r) => {
      const { filter, sort } = parseInput(listMembersQuerySchema, r.query);
      const page = parseInput(paginationSchema, r.query);
      const selected = filter === undefined ? {} : parseMemberFilter(filter);
      const visible = (await members.list(r.principal)).filter((m) => memberMatches(m, selected));
      const query = { ...(filter !== undefined ? { filter } : {}), ...(sort !== undefined ? { sort } : {}) };
      return ok(
        paginate(
          sortMembers(visible, sort).map((m) => memberView(m)),
          page,
          `${API_BASE}/members`,
          query,
        ),
      );
    },
    'POST /api/v2/members': async (r) => {
      const invites = parseInput(inviteSchema, r.body);
      const invited = await members.invite(
        r.principal,
        invites.map(({ password: _p, teamKeys: _t, roleAttributes: _a, ...invite }) => invite),
      );
      const items = invited.map(({ member, code }) => memberView(member, code));
      return ok({ items, totalCount: items.length, _links: selfLink('/members') }, 201);
    },
    'PATCH /api/v2/members': async (r) => {
      const { instructions } = parseInput(membersPatchSchema, r.body);
      const updated = new Set<string>();
      const errors: Record<string, string>[] = [];
      for (const instruction of instructions) {
        const result = await members.updateEach(
          r.principal,
          await targetsOf(r.principal, instruction),
          changeOf(instruction),
        );
        for (const id of result.updated) updated.add(id);
        for (const { memberId, message } of result.errors) errors.push({ [memberId]: message });
      }
      return ok({ members: [...updated], errors });
    },
    'GET /api/v2/members/{id}': async (r) => ok(memberView(await members.get(r.principal, r.path.id!))),
    'PATCH /api/v2/members/{id}': async (r) =>
      ok(
        memberView(
          await members.update(r.principal, r.path.id!, (member) => changeFromPatch(member, r.body)),
        ),
      ),
    'DELETE /api/v2/members/{id}': async (r) => {
      await members.delete(r.principal, r.path.id!);
      return noContent();
    },
  },
  { flushAuthorizerCache },
);
