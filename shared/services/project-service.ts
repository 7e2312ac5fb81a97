import { type FlagRecord, type ProjectRecord, resourceRepo } from '../data/resource-repo.js';
import { resources } from '../domain/resource.js';
import { notFound } from '../http/errors.js';
import { applyJsonPatch } from '../http/json-patch.js';
import { type Page, paginate, paginationSchema } from '../http/pagination.js';
import { API_BASE } from '../http/routes.js';
import { parseInput } from '../http/validation.js';
import { createFlagSchema, createProjectSchema, editableFlagSchema } from '../schemas/project.js';
import { ensureAllowed, ensureVisible } from './authorize.js';
import type { Principal } from './principal.js';

const DEFAULT_ENVIRONMENTS = [
  { key: 'production', name: 'Production' },
  { key: 'test', name: 'Test' },
];

const link = (href: string) => ({ self: { href, type: 'application/json' as const } });

export function projectView(project: ProjectRecord) {
  return {
    _id: project.key,
    key: project.key,
    name: project.name,
    tags: project.tags,
    environments: project.environments,
    creationDate: project.creationDate,
    _links: link(`${API_BASE}/projects/${project.key}`),
  };
}

export function flagView(flag: FlagRecord) {
  return {
    key: flag.key,
    name: flag.name,
    ...(flag.description !== undefined ? { description: flag.description } : {}),
    tags: flag.tags,
    environments: flag.environments,
    creationDate: flag.creationDate,
    lastModified: flag.lastModified,
    _links: link(`${API_BASE}/flags/${flag.projectKey}/${flag.key}`),
  };
}

const projectResource = (p: ProjectRecord) => resources.project(p.key, p.tags);

/**
 * Flags live in every environment of their project. Acting on one environment's state (`updateOn`)
 * needs the action there; acting on the flag as a whole (create, delete, rename) needs it in every
 * environment; seeing the flag needs `viewFlag` in at least one.
 */
function flagAllowedIn(
  principal: Principal,
  action: string,
  project: ProjectRecord,
  flagKey: string,
  tags: readonly string[],
) {
  return project.environments.map((env) => ({
    env: env.key,
    allowed: principal.permissions.allows(
      action,
      resources.flag(project.key, env.key, flagKey, project.tags, tags),
    ),
  }));
}

function ensureFlagAllowedEverywhere(
  principal: Principal,
  action: string,
  project: ProjectRecord,
  flagKey: string,
  tags: readonly string[],
) {
  for (const env of project.environments) {
    ensureAllowed(principal, action, resources.flag(project.key, env.key, flagKey, project.tags, tags));
  }
}

const canViewFlag = (principal: Principal, project: ProjectRecord, flag: Pick<FlagRecord, 'key' | 'tags'>) =>
  flagAllowedIn(principal, 'viewFlag', project, flag.key, flag.tags).some((e) => e.allowed);

async function findProject(principal: Principal, key: string): Promise<ProjectRecord> {
  const project = await resourceRepo.getProject(principal.accountId, key);
  if (project === undefined) throw notFound('project');
  ensureVisible(principal, 'viewProject', projectResource(project), 'project');
  return project;
}

/** The flag's project only needs to exist; seeing flags is a matter of `viewFlag`. */
async function findProjectForFlags(principal: Principal, key: string): Promise<ProjectRecord> {
  const project = await resourceRepo.getProject(principal.accountId, key);
  if (project === undefined) throw notFound('project');
  return project;
}

/**
 * A caller who may neither view a project nor act on its flags gets the same 404 as for a project
 * that does not exist, so project keys cannot be probed through the flag routes.
 */
function ensureProjectVisibleFor(principal: Principal, project: ProjectRecord, flagsAllowed: boolean): void {
  if (!flagsAllowed && !principal.permissions.allows('viewProject', projectResource(project)))
    throw notFound('project');
}

async function findFlag(principal: Principal, projectKey: string, flagKey: string) {
  const project = await findProjectForFlags(principal, projectKey);
  const flag = await resourceRepo.getFlag(principal.accountId, projectKey, flagKey);
  if (flag === undefined || !canViewFlag(principal, project, flag)) {
    // The same answer as for a project that does not exist, unless the caller may see the project.
    ensureProjectVisibleFor(principal, project, false);
    throw notFound('flag');
  }
  return { project, flag };
}

export async function listProjects(
  principal: Principal,
  query: Record<string, string>,
): Promise<Page<ReturnType<typeof projectView>>> {
  const page = parseInput(paginationSchema, query);
  const projects = await resourceRepo.listProjects(principal.accountId);
  const visible = projects
    .filter((p) => principal.permissions.allows('viewProject', projectResource(p)))
    .map(projectView);
  return paginate(visible, page, `${API_BASE}/projects`);
}

export async function getProject(principal: Principal, key: string) {
  return projectView(await findProject(principal, key));
}

export async function createProject(principal: Principal, body: unknown) {
  const input = parseInput(createProjectSchema, body);
  const tags = [...new Set(input.tags ?? [])];
  ensureAllowed(principal, 'createProject', resources.project(input.key, tags));
  const project: ProjectRecord = {
    accountId: principal.accountId,
    key: input.key,
    name: input.name,
    tags,
    environments: DEFAULT_ENVIRONMENTS,
    creationDate: Date.now(),
    version: 1,
  };
  await resourceRepo.createProject(project);
  return projectView(project);
}

export async function deleteProject(principal: Principal, key: string): Promise<void> {
  const project = await findProject(principal, key);
  ensureAllowed(principal, 'deleteProject', projectResource(project));
  await resourceRepo.deleteProject(project);
}

export async function listFlags(principal: Principal, projectKey: string, query: Record<string, string>) {
  const page = parseInput(paginationSchema, query);
  const project = await findProjectForFlags(principal, projectKey);
  const flags = await resourceRepo.listFlags(principal.accountId, projectKey);
  const visible = flags.filter((f) => canViewFlag(principal, project, f)).map(flagView);
  ensureProjectVisibleFor(principal, project, visible.length > 0);
  return paginate(visible, page, `${API_BASE}/flags/${projectKey}`);
}

export async function getFlag(principal: Principal, projectKey: string, flagKey: string) {
  return flagView((await findFlag(principal, projectKey, flagKey)).flag);
}

export async function createFlag(principal: Principal, projectKey: string, body: unknown) {
  const input = parseInput(createFlagSchema, body);
  const project = await findProjectForFlags(principal, projectKey);
  const tags = [...new Set(input.tags ?? [])];
  ensureProjectVisibleFor(
    principal,
    project,
    flagAllowedIn(principal, 'createFlag', project, input.key, tags).every((e) => e.allowed),
  );
  ensureFlagAllowedEverywhere(principal, 'createFlag', project, input.key, tags);
  const now = Date.now();
  const flag: FlagRecord = {
    accountId: principal.accountId,
    projectKey,
    key: input.key,
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    tags,
    environments: Object.fromEntries(
      project.environments.map((e) => [e.key, { on: false, lastModified: now }]),
    ),
    creationDate: now,
    lastModified: now,
    version: 1,
  };
  await resourceRepo.createFlag(flag);
  return flagView(flag);
}

export async function deleteFlag(principal: Principal, projectKey: string, flagKey: string): Promise<void> {
  const { project, flag } = await findFlag(principal, projectKey, flagKey);
  ensureFlagAllowedEverywhere(principal, 'deleteFlag', project, flag.key, flag.tags);
  await resourceRepo.deleteFlag(flag);
}

const ENV_ON = /^\/environments\/([^/]+)\/on$/;
const WRITABLE = (pointer: string) =>
  pointer === '/name' || pointer === '/description' || ENV_ON.test(pointer);

export async function patchFlag(principal: Principal, projectKey: string, flagKey: string, body: unknown) {
  const { project, flag } = await findFlag(principal, projectKey, flagKey);
  const { document, touched, operations } = applyJsonPatch(flagView(flag), body, WRITABLE);
  const envs = new Set(
    operations.filter((o) => o.op !== 'test').flatMap((o) => ENV_ON.exec(o.path)?.[1] ?? []),
  );
  for (const env of envs) {
    if (!project.environments.some((e) => e.key === env)) throw notFound(`environment "${env}"`);
    ensureAllowed(principal, 'updateOn', resources.flag(project.key, env, flag.key, project.tags, flag.tags));
  }
  if (touched.has('name')) ensureFlagAllowedEverywhere(principal, 'updateName', project, flag.key, flag.tags);
  if (touched.has('description'))
    ensureFlagAllowedEverywhere(principal, 'updateDescription', project, flag.key, flag.tags);
  const edited = parseInput(editableFlagSchema, {
    name: document.name,
    description: document.description,
    environments: document.environments,
  });
  const now = Date.now();
  const environments = Object.fromEntries(
    Object.entries(flag.environments).map(([key, state]) => {
      const on = edited.environments[key]?.on ?? state.on;
      return [key, on === state.on ? state : { on, lastModified: now }];
    }),
  );
  const { description: _d, ...rest } = flag;
  const after: FlagRecord = {
    ...rest,
    name: edited.name,
    ...(edited.description !== undefined ? { description: edited.description } : {}),
    environments,
    lastModified: now,
    version: flag.version + 1,
  };
  await resourceRepo.updateFlag(flag, after);
  return flagView(after);
}
