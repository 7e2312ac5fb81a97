import { streamHandler } from '../../shared/events/stream-handler.js';
import { onMembersRecord } from '../../shared/services/revocation-service.js';

/** Members table stream: removals revoke personal tokens; role changes are announced. */
export const handler = streamHandler('members', onMembersRecord);
