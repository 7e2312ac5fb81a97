import { ok, publicApiHandler } from '../../shared/http/api-handler.js';
import { acceptInvitation } from '../../shared/services/member-service.js';

export const handler = publicApiHandler({
  'POST /api/v2/invitations/accept': async (r) => ok(await acceptInvitation(r.body), 201),
});
