/**
 * `npm run openapi`: writes the OpenAPI document (shared/http/openapi.ts) to docs/openapi.json, as
 * `GET /api/v2/openapi.json` serves it. test/unit/openapi.test.ts fails while the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocumentText } from '../shared/http/openapi.js';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
writeFileSync(target, openApiDocumentText());
console.log(`wrote ${target}`);
