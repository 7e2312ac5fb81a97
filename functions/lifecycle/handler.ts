import { logger } from '../../shared/http/logger.js';
import { type SweepResult, sweepLifecycles } from '../../shared/services/lifecycle-sweeper.js';

/** Runs every 15 minutes (EventBridge schedule): expiry reminders and inactivity revocation. */
export async function handler(): Promise<SweepResult> {
  const result = await sweepLifecycles();
  if (result.reminded > 0 || result.revoked > 0) logger.info('token lifecycles swept', { ...result });
  return result;
}
