import { config } from '../../shared/config/config.js';
import { repositories } from '../../shared/data/repositories.js';
import { ok, publicApiHandler } from '../../shared/http/api-handler.js';
import { unauthorized } from '../../shared/http/errors.js';
import { logger } from '../../shared/http/logger.js';
import { parseInput } from '../../shared/http/validation.js';
import { sessionView } from '../../shared/http/views.js';
import { signInSchema } from '../../shared/schemas/session.js';
import { sessionService } from '../../shared/services/session-service.js';
import { verifyIdToken } from '../../shared/services/verify-id-token.js';

const sessions = sessionService(repositories, { verifyIdToken, accountId: config.consoleAccountId });

/** Every refused sign-in is this one 401, whatever the reason (the reason goes to the logs only). */
export const SIGN_IN_REFUSED = 'Invalid ID token';

export const handler = publicApiHandler('sessions', {
  'POST /api/v2/sessions': async (r) => {
    const input = parseInput(signInSchema, r.body);
    const result = await sessions.signIn(input);
    if (!result.ok) {
      logger.info('sign-in refused', { reason: result.code });
      throw unauthorized(SIGN_IN_REFUSED);
    }
    return ok(sessionView(result.session), 201);
  },
});
