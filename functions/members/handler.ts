import { flushAuthorizerCache } from '../../shared/events/authorizer-cache.js';
import { apiHandler, noContent, ok } from '../../shared/http/api-handler.js';
import {
  deleteMember,
  getMember,
  inviteMembers,
  listMembers,
  patchMember,
} from '../../shared/services/member-service.js';

export const handler = apiHandler(
  {
    'GET /api/v2/members': async (r) => ok(await listMembers(r.principal, r.query)),
    'POST /api/v2/members': async (r) => ok(await inviteMembers(r.principal, r.body), 201),
    'GET /api/v2/members/{id}': async (r) => ok(await getMember(r.principal, r.path.id!)),
    'PATCH /api/v2/members/{id}': async (r) => ok(await patchMember(r.principal, r.path.id!, r.body)),
    'DELETE /api/v2/members/{id}': async (r) => {
      await deleteMember(r.principal, r.path.id!);
      return noContent();
    },
  },
  { flushAuthorizerCache },
);
