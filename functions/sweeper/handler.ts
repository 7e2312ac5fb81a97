import { logger } from '../../shared/http/logger.js';
import { endGracePeriods } from '../../shared/services/grace-sweeper.js';

/** Runs every minute (EventBridge schedule): ends reset grace periods that have passed. */
export async function handler(): Promise<{ ended: number }> {
  const ended = await endGracePeriods();
  if (ended > 0) logger.info('grace periods ended', { ended });
  return { ended };
}
