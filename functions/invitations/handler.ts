import { repositories } from '../../shared/data/repositories.js';
import { ok, publicApiHandler } from '../../shared/http/api-handler.js';
import { parseInput } from '../../shared/http/validation.js';
import { memberView, tokenView } from '../../shared/http/views.js';
import { acceptSchema } from '../../shared/schemas/member.js';
import { memberService } from '../../shared/services/member-service.js';

const members = memberService(repositories);

export const handler = publicApiHandler('invitations', {
  'POST /api/v2/invitations/accept': async (r) => {
    const input = parseInput(acceptSchema, r.body);
    const { member, token } = await members.accept(input.code, input.tokenName);
    return ok({ member: memberView(member), token: tokenView(token) }, 201);
  },
});
