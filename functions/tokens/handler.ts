import { repositories } from '../../shared/data/repositories.js';
import type { TokenRecord } from '../../shared/data/token-repo.js';
import { flushAuthorizerCache } from '../../shared/events/authorizer-cache.js';
import { apiHandler, noContent, ok } from '../../shared/http/api-handler.js';
import { invalid } from '../../shared/http/errors.js';
import { applyJsonPatch } from '../../shared/http/json-patch.js';
import { paginate, paginationSchema } from '../../shared/http/pagination.js';
import { API_BASE } from '../../shared/http/routes.js';
import { tokenPolicyView } from '../../shared/http/token-policy-view.js';
import { parseInput } from '../../shared/http/validation.js';
import { tokenView } from '../../shared/http/views.js';
import {
  cloneTokenSchema,
  createTokenSchema,
  editableTokenSchema,
  listTokensQuerySchema,
  resetQuerySchema,
  scopeOf,
} from '../../shared/schemas/token.js';
import { tokenPolicyBodySchema } from '../../shared/schemas/token-policy.js';
import { tokenPolicyService } from '../../shared/services/token-policy-service.js';
import { type TokenChange, tokenService } from '../../shared/services/token-service.js';

const tokens = tokenService(repositories);
const tokenPolicies = tokenPolicyService(repositories);

const WRITABLE =
  /^\/(name|description|role|expiresAt|defaultApiVersion|customRoleIds(\/.*)?|inlineRole(\/.*)?|allowedCidrs(\/.*)?)$/;
const SCOPE_FIELDS = ['role', 'customRoleIds', 'inlineRole'];

/** A JSON Patch of the token's representation, as the change it makes (only the fields it touches). */
function changeFromPatch(token: TokenRecord, body: unknown): TokenChange {
  const { document, touched } = applyJsonPatch(tokenView({ token }), body, (pointer) =>
    WRITABLE.test(pointer),
  );
  const edited = parseInput(editableTokenSchema, {
    name: document.name,
    description: document.description,
    role: document.role,
    customRoleIds: document.customRoleIds,
    inlineRole: document.inlineRole,
    expiresAt: document.expiresAt,
    defaultApiVersion: document.defaultApiVersion,
    allowedCidrs: document.allowedCidrs,
  });
  let scope: TokenChange['scope'];
  if (SCOPE_FIELDS.some((f) => touched.has(f))) {
    const next = scopeOf(edited);
    if (typeof next === 'string') throw invalid(next);
    scope = next;
  }
  return {
    ...(touched.has('name') ? { name: edited.name } : {}),
    ...(touched.has('description') ? { description: edited.description ?? null } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(touched.has('expiresAt') ? { expiresAt: edited.expiresAt ?? null } : {}),
    ...(touched.has('defaultApiVersion') ? { defaultApiVersion: edited.defaultApiVersion } : {}),
    ...(touched.has('allowedCidrs') ? { allowedCidrs: edited.allowedCidrs ?? null } : {}),
  };
}

export const handler = apiHandler(
  'tokens',
  {
    'GET /api/v2/tokens': async (r) => {
      const { showAll } = parseInput(listTokensQuerySchema, r.query);
      const page = parseInput(paginationSchema, r.query);
      const all = await tokens.list(r.principal, { showAll: showAll === 'true' });
      return ok(paginate(all.map(tokenView), page, `${API_BASE}/tokens`, showAll ? { showAll } : {}));
    },
    'POST /api/v2/tokens': async (r) => {
      const input = parseInput(createTokenSchema, r.body);
      const scope = scopeOf(input);
      if (typeof scope === 'string') throw invalid(scope);
      const created = await tokens.create(r.principal, {
        name: input.name,
        ...(input.description !== undefined ? { description: input.description } : {}),
        scope,
        serviceToken: input.serviceToken ?? false,
        ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
        ...(input.defaultApiVersion !== undefined ? { defaultApiVersion: input.defaultApiVersion } : {}),
        ...(input.allowedCidrs !== undefined ? { allowedCidrs: input.allowedCidrs } : {}),
      });
      return ok(tokenView(created), 201);
    },
    'GET /api/v2/tokens/{id}': async (r) => ok(tokenView(await tokens.get(r.principal, r.path.id!))),
    'PATCH /api/v2/tokens/{id}': async (r) =>
      ok(tokenView(await tokens.update(r.principal, r.path.id!, (token) => changeFromPatch(token, r.body)))),
    'DELETE /api/v2/tokens/{id}': async (r) => {
      await tokens.delete(r.principal, r.path.id!);
      return noContent();
    },
    'POST /api/v2/tokens/{id}/reset': async (r) => {
      const { expiry } = parseInput(resetQuerySchema, r.query);
      const reset = await tokens.reset(
        r.principal,
        r.path.id!,
        expiry !== undefined ? { graceUntil: expiry } : {},
      );
      return ok(tokenView(reset));
    },
    'POST /api/v2/tokens/{id}/clone': async (r) => {
      const input = parseInput(cloneTokenSchema, r.body);
      return ok(tokenView(await tokens.clone(r.principal, r.path.id!, input)), 201);
    },
    'GET /api/v2/account/token-policy': async (r) => {
      const page = parseInput(paginationSchema, r.query);
      return ok(tokenPolicyView(await tokenPolicies.get(r.principal), page));
    },
    'PUT /api/v2/account/token-policy': async (r) => {
      const input = parseInput(tokenPolicyBodySchema, r.body);
      const page = parseInput(paginationSchema, r.query);
      const stored = await tokenPolicies.put(r.principal, {
        requireExpiry: input.requireExpiry,
        serviceTokensAllowed: input.serviceTokensAllowed,
        ...(input.maxLifetimeDays !== null ? { maxLifetimeDays: input.maxLifetimeDays } : {}),
        ...(input.inactivityDays !== null ? { inactivityDays: input.inactivityDays } : {}),
      });
      return ok(tokenPolicyView(stored, page));
    },
    'DELETE /api/v2/sessions/current': async (r) => {
      await tokens.endSession(r.principal);
      return noContent();
    },
  },
  { flushAuthorizerCache },
);
