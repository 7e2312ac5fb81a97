import { streamHandler } from '../../shared/events/stream-handler.js';
import { onRolesRecord } from '../../shared/services/revocation-service.js';

/** Roles table stream: a custom role's policy changed → Member Permissions Changed for its holders. */
export const handler = streamHandler('roles', onRolesRecord);
