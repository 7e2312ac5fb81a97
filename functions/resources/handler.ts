import { repositories } from '../../shared/data/repositories.js';
import type { FlagRecord } from '../../shared/data/resource-repo.js';
import { apiHandler, noContent, ok } from '../../shared/http/api-handler.js';
import { applyJsonPatch } from '../../shared/http/json-patch.js';
import { paginate, paginationSchema } from '../../shared/http/pagination.js';
import { API_BASE } from '../../shared/http/routes.js';
import { parseInput } from '../../shared/http/validation.js';
import { flagView, projectView } from '../../shared/http/views.js';
import { createFlagSchema, createProjectSchema, editableFlagSchema } from '../../shared/schemas/project.js';
import { type FlagChange, projectService } from '../../shared/services/project-service.js';

const projects = projectService(repositories);

const ENV_ON = /^\/environments\/([^/]+)\/on$/;
const WRITABLE = (pointer: string) =>
  pointer === '/name' || pointer === '/description' || ENV_ON.test(pointer);

/** A JSON Patch of the flag's representation, as the change it makes (only what it touches). */
function changeFromPatch(flag: FlagRecord, body: unknown): FlagChange {
  const { document, touched, operations } = applyJsonPatch(flagView(flag), body, WRITABLE);
  const edited = parseInput(editableFlagSchema, {
    name: document.name,
    description: document.description,
    environments: document.environments,
  });
  const envs = new Set(
    operations.filter((o) => o.op !== 'test').flatMap((o) => ENV_ON.exec(o.path)?.[1] ?? []),
  );
  return {
    ...(touched.has('name') ? { name: edited.name } : {}),
    ...(touched.has('description') ? { description: edited.description ?? null } : {}),
    ...(envs.size > 0
      ? { on: Object.fromEntries([...envs].map((env) => [env, edited.environments[env]?.on ?? false])) }
      : {}),
  };
}

export const handler = apiHandler('resources', {
  'GET /api/v2/projects': async (r) => {
    const page = parseInput(paginationSchema, r.query);
    const all = await projects.listProjects(r.principal);
    return ok(paginate(all.map(projectView), page, `${API_BASE}/projects`));
  },
  'POST /api/v2/projects': async (r) => {
    const input = parseInput(createProjectSchema, r.body);
    const project = await projects.createProject(r.principal, { ...input, tags: input.tags ?? [] });
    return ok(projectView(project), 201);
  },
  'GET /api/v2/projects/{projectKey}': async (r) =>
    ok(projectView(await projects.getProject(r.principal, r.path.projectKey!))),
  'DELETE /api/v2/projects/{projectKey}': async (r) => {
    await projects.deleteProject(r.principal, r.path.projectKey!);
    return noContent();
  },
  'GET /api/v2/flags/{projectKey}': async (r) => {
    const page = parseInput(paginationSchema, r.query);
    const all = await projects.listFlags(r.principal, r.path.projectKey!);
    return ok(paginate(all.map(flagView), page, `${API_BASE}/flags/${r.path.projectKey}`));
  },
  'POST /api/v2/flags/{projectKey}': async (r) => {
    const input = parseInput(createFlagSchema, r.body);
    const flag = await projects.createFlag(r.principal, r.path.projectKey!, {
      key: input.key,
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      tags: input.tags ?? [],
    });
    return ok(flagView(flag), 201);
  },
  'GET /api/v2/flags/{projectKey}/{flagKey}': async (r) =>
    ok(flagView(await projects.getFlag(r.principal, r.path.projectKey!, r.path.flagKey!))),
  'PATCH /api/v2/flags/{projectKey}/{flagKey}': async (r) => {
    const flag = await projects.updateFlag(r.principal, r.path.projectKey!, r.path.flagKey!, (current) =>
      changeFromPatch(current, r.body),
    );
    return ok(flagView(flag));
  },
  'DELETE /api/v2/flags/{projectKey}/{flagKey}': async (r) => {
    await projects.deleteFlag(r.principal, r.path.projectKey!, r.path.flagKey!);
    return noContent();
  },
});
