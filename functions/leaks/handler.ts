import { repositories } from '../../shared/data/repositories.js';
import { flushAuthorizerCache } from '../../shared/events/authorizer-cache.js';
import { ok, publicApiHandler } from '../../shared/http/api-handler.js';
import { logger } from '../../shared/http/logger.js';
import { FLUSH_FAILED_MESSAGE } from '../../shared/http/routes.js';
import { parseInput } from '../../shared/http/validation.js';
import { LEAK_REPORT_ANSWER, leakReportSchema } from '../../shared/schemas/leak.js';
import { leakService } from '../../shared/services/leak-service.js';

const leaks = leakService(repositories);

/**
 * Leaked-token reports, from secret scanners or anyone: no credentials. The answer is the same 202
 * whether a value matched or not. The values are never logged (only the request line and status
 * are, as for every route). The authorizer cache is flushed after a revocation only, so reports
 * that match nothing cost the API's other callers nothing; a failed flush is logged and counted,
 * the revocation stands, and the stream handler's flush is the backstop.
 */
export const handler = publicApiHandler('leaks', {
  'POST /api/v2/tokens/leaked': async (r) => {
    const { tokens } = parseInput(leakReportSchema, r.body);
    const revoked = await leaks.report(tokens);
    if (revoked > 0) {
      try {
        await flushAuthorizerCache();
      } catch (error) {
        logger.error(FLUSH_FAILED_MESSAGE, { error: error as Error });
      }
    }
    return ok(LEAK_REPORT_ANSWER, 202);
  },
});
