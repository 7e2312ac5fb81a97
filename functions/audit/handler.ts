import { auditRepo } from '../../shared/data/audit-repo.js';
import { apiHandler, ok } from '../../shared/http/api-handler.js';
import { auditEntriesView, auditEntryView } from '../../shared/http/audit-views.js';
import { parseInput } from '../../shared/http/validation.js';
import { auditQuerySchema } from '../../shared/schemas/audit.js';
import { auditService } from '../../shared/services/audit-service.js';

const audit = auditService({ audit: auditRepo });

export const handler = apiHandler('audit', {
  'GET /api/v2/auditlog': async (r) => {
    const query = parseInput(auditQuerySchema, r.query);
    const page = await audit.list(r.principal, query);
    return ok(auditEntriesView(page, query));
  },
  'GET /api/v2/auditlog/{id}': async (r) => ok(auditEntryView(await audit.get(r.principal, r.path.id!))),
});
