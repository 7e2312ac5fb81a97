/**
 * `npm run event-schemas`: writes the JSON Schema of each event detail-type (generated from the zod
 * schemas in shared/events/event-schemas.ts) to docs/events/<detail-type>.json, and removes any
 * other `.json` there (a detail-type that no longer exists). test/unit/event-schemas.test.ts fails while the folder is stale.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventJsonSchemaText, schemaFileName } from '../shared/events/event-schemas.js';
import { DETAIL_TYPES } from '../shared/events/events.js';

const folder = fileURLToPath(new URL('../docs/events/', import.meta.url));
mkdirSync(folder, { recursive: true });
const written = new Set(DETAIL_TYPES.map(schemaFileName));
for (const file of readdirSync(folder)) {
  if (file.endsWith('.json') && !written.has(file)) rmSync(join(folder, file));
}
for (const detailType of DETAIL_TYPES) {
  writeFileSync(join(folder, schemaFileName(detailType)), eventJsonSchemaText(detailType));
}
console.log(`wrote ${[...written].join(', ')} in ${folder}`);
