import { ok, publicApiHandler } from '../../shared/http/api-handler.js';
import { openApiDocument } from '../../shared/http/openapi.js';

/** The contract as a document: no credentials, no database; built once per container. */
export const handler = publicApiHandler('openapi', {
  'GET /api/v2/openapi.json': async () => ok(openApiDocument()),
});
