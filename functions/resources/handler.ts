import { apiHandler, noContent, ok } from '../../shared/http/api-handler.js';
import {
  createFlag,
  createProject,
  deleteFlag,
  deleteProject,
  getFlag,
  getProject,
  listFlags,
  listProjects,
  patchFlag,
} from '../../shared/services/project-service.js';

export const handler = apiHandler({
  'GET /api/v2/projects': async (r) => ok(await listProjects(r.principal, r.query)),
  'POST /api/v2/projects': async (r) => ok(await createProject(r.principal, r.body), 201),
  'GET /api/v2/projects/{projectKey}': async (r) => ok(await getProject(r.principal, r.path.projectKey!)),
  'DELETE /api/v2/projects/{projectKey}': async (r) => {
    await deleteProject(r.principal, r.path.projectKey!);
    return noContent();
  },
  'GET /api/v2/flags/{projectKey}': async (r) =>
    ok(await listFlags(r.principal, r.path.projectKey!, r.query)),
  'POST /api/v2/flags/{projectKey}': async (r) =>
    ok(await createFlag(r.principal, r.path.projectKey!, r.body), 201),
  'GET /api/v2/flags/{projectKey}/{flagKey}': async (r) =>
    ok(await getFlag(r.principal, r.path.projectKey!, r.path.flagKey!)),
  'PATCH /api/v2/flags/{projectKey}/{flagKey}': async (r) =>
    ok(await patchFlag(r.principal, r.path.projectKey!, r.path.flagKey!, r.body)),
  'DELETE /api/v2/flags/{projectKey}/{flagKey}': async (r) => {
    await deleteFlag(r.principal, r.path.projectKey!, r.path.flagKey!);
    return noContent();
  },
});
