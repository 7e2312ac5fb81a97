import { tokenRepo } from '../data/token-repo.js';

/**
 * Ends the grace periods that have passed. The authorizer (and the handlers, for cached answers)
 * already refuse such a secret from the instant its grace ends; deleting its hash item then puts a
 * REMOVE on the tokens stream, so `Token Revoked (reset)` goes out within a minute instead of
 * whenever DynamoDB TTL gets to it. Conditional deletes: a secret that changed is left alone.
 */
export async function endGracePeriods(now = Date.now()): Promise<number> {
  let ended = 0;
  for (const secret of await tokenRepo.endedGraceSecrets(now)) {
    if (await tokenRepo.deleteEndedSecret(secret.hash, secret.secretExpiresAt)) ended++;
  }
  return ended;
}
