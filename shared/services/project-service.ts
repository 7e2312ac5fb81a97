import type { Repositories } from '../data/repositories.js';
import type { FlagRecord, ProjectRecord } from '../data/resource-repo.js';
import type { Action } from '../domain/actions.js';
import { resources } from '../domain/resource.js';
import { ensureAllowed, ensureVisible } from './authorize.js';
import { notFound } from './errors.js';
import type { Principal } from './principal.js';

const DEFAULT_ENVIRONMENTS = [
  { key: 'production', name: 'Production' },
  { key: 'test', name: 'Test' },
];

export interface CreateProjectCommand {
  readonly key: string;
  readonly name: string;
  readonly tags: readonly string[];
}

export interface CreateFlagCommand {
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly tags: readonly string[];
}

/** The fields a change sets; `on` is per environment key. */
export interface FlagChange {
  readonly name?: string;
  readonly description?: string | null;
  readonly on?: Readonly<Record<string, boolean>>;
}

const projectResource = (p: ProjectRecord) => resources.project(p.key, p.tags);

/**
 * Flags live in every environment of their project. Acting on one environment's state (`updateOn`)
 * needs the action there; acting on the flag as a whole (create, delete, rename) needs it in every
 * environment; seeing the flag needs `viewFlag` in at least one.
 */
function flagAllowedIn(
  principal: Principal,
  action: Action,
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
  action: Action,
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

/**
 * A caller who may neither view a project nor act on its flags gets the same 404 as for a project
 * that does not exist, so project keys cannot be probed through the flag routes.
 */
function ensureProjectVisibleFor(principal: Principal, project: ProjectRecord, flagsAllowed: boolean): void {
  if (!flagsAllowed && !principal.permissions.allows('viewProject', projectResource(project)))
    throw notFound('project');
}

/** The use cases of the resources that tokens protect: projects and their flags. */
export function projectService({ resources: store }: Pick<Repositories, 'resources'>) {
  async function findProject(principal: Principal, key: string): Promise<ProjectRecord> {
    const project = await store.getProject(principal.accountId, key);
    if (project === undefined) throw notFound('project');
    ensureVisible(principal, 'viewProject', projectResource(project), 'project');
    return project;
  }

  /** The flag's project only needs to exist; seeing flags is a matter of `viewFlag`. */
  async function findProjectForFlags(principal: Principal, key: string): Promise<ProjectRecord> {
    const project = await store.getProject(principal.accountId, key);
    if (project === undefined) throw notFound('project');
    return project;
  }

  async function findFlag(principal: Principal, projectKey: string, flagKey: string) {
    const project = await findProjectForFlags(principal, projectKey);
    const flag = await store.getFlag(principal.accountId, projectKey, flagKey);
    if (flag === undefined || !canViewFlag(principal, project, flag)) {
      // The same answer as for a project that does not exist, unless the caller may see the project.
      ensureProjectVisibleFor(principal, project, false);
      throw notFound('flag');
    }
    return { project, flag };
  }

  return {
    async listProjects(principal: Principal): Promise<ProjectRecord[]> {
      const projects = await store.listProjects(principal.accountId);
      return projects.filter((p) => principal.permissions.allows('viewProject', projectResource(p)));
    },

    getProject: findProject,

    async createProject(principal: Principal, command: CreateProjectCommand): Promise<ProjectRecord> {
      const tags = [...new Set(command.tags)];
      ensureAllowed(principal, 'createProject', resources.project(command.key, tags));
      const project: ProjectRecord = {
        accountId: principal.accountId,
        key: command.key,
        name: command.name,
        tags,
        environments: DEFAULT_ENVIRONMENTS,
        creationDate: Date.now(),
        version: 1,
      };
      await store.createProject(project);
      return project;
    },

    async deleteProject(principal: Principal, key: string): Promise<void> {
      const project = await findProject(principal, key);
      ensureAllowed(principal, 'deleteProject', projectResource(project));
      await store.deleteProject(project);
    },

    async listFlags(principal: Principal, projectKey: string): Promise<FlagRecord[]> {
      const project = await findProjectForFlags(principal, projectKey);
      const flags = await store.listFlags(principal.accountId, projectKey);
      const visible = flags.filter((f) => canViewFlag(principal, project, f));
      ensureProjectVisibleFor(principal, project, visible.length > 0);
      return visible;
    },

    async getFlag(principal: Principal, projectKey: string, flagKey: string): Promise<FlagRecord> {
      return (await findFlag(principal, projectKey, flagKey)).flag;
    },

    async createFlag(
      principal: Principal,
      projectKey: string,
      command: CreateFlagCommand,
    ): Promise<FlagRecord> {
      const project = await findProjectForFlags(principal, projectKey);
      const tags = [...new Set(command.tags)];
      ensureProjectVisibleFor(
        principal,
        project,
        flagAllowedIn(principal, 'createFlag', project, command.key, tags).every((e) => e.allowed),
      );
      ensureFlagAllowedEverywhere(principal, 'createFlag', project, command.key, tags);
      const now = Date.now();
      const flag: FlagRecord = {
        accountId: principal.accountId,
        projectKey,
        key: command.key,
        name: command.name,
        ...(command.description !== undefined ? { description: command.description } : {}),
        tags,
        environments: Object.fromEntries(
          project.environments.map((e) => [e.key, { on: false, lastModified: now }]),
        ),
        creationDate: now,
        lastModified: now,
        version: 1,
      };
      await store.createFlag(flag);
      return flag;
    },

    async deleteFlag(principal: Principal, projectKey: string, flagKey: string): Promise<void> {
      const { project, flag } = await findFlag(principal, projectKey, flagKey);
      ensureFlagAllowedEverywhere(principal, 'deleteFlag', project, flag.key, flag.tags);
      await store.deleteFlag(flag);
    },

    /** `changeOf` turns the flag as stored into the change (the edge applies a JSON Patch). */
    async updateFlag(
      principal: Principal,
      projectKey: string,
      flagKey: string,
      changeOf: (flag: FlagRecord) => FlagChange,
    ): Promise<FlagRecord> {
      const { project, flag } = await findFlag(principal, projectKey, flagKey);
      const change = changeOf(flag);
      for (const env of Object.keys(change.on ?? {})) {
        if (!project.environments.some((e) => e.key === env)) throw notFound(`environment "${env}"`);
        ensureAllowed(
          principal,
          'updateOn',
          resources.flag(project.key, env, flag.key, project.tags, flag.tags),
        );
      }
      if (change.name !== undefined)
        ensureFlagAllowedEverywhere(principal, 'updateName', project, flag.key, flag.tags);
      if (change.description !== undefined)
        ensureFlagAllowedEverywhere(principal, 'updateDescription', project, flag.key, flag.tags);
      const now = Date.now();
      const environments = Object.fromEntries(
        Object.entries(flag.environments).map(([key, state]) => {
          const on = change.on?.[key] ?? state.on;
          return [key, on === state.on ? state : { on, lastModified: now }];
        }),
      );
      const { description, ...rest } = flag;
      const nextDescription = change.description === null ? undefined : (change.description ?? description);
      const after: FlagRecord = {
        ...rest,
        name: change.name ?? flag.name,
        ...(nextDescription !== undefined ? { description: nextDescription } : {}),
        environments,
        lastModified: now,
        version: flag.version + 1,
      };
      await store.updateFlag(flag, after);
      return after;
    },
  };
}
