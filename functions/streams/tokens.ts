import { streamHandler } from '../../shared/events/stream-handler.js';
import { onTokensRecord } from '../../shared/services/revocation-service.js';

/** Tokens table stream: Token Created / Reset / Revoked, and cache flushes on every change of rights. */
export const handler = streamHandler('tokens', onTokensRecord);
