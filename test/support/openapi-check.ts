import { documentedResponse } from '../../shared/http/openapi.js';
import { ROUTES, type Route } from '../../shared/http/routes.js';

/**
 * Checks an answer against the OpenAPI document: its route (matched as the gateway matches, literal
 * segments before parameters), a status the document shows for that route, and a body that the
 * documented schema parses. The schemas are the zod schemas the document is generated from, and
 * their objects are strict: a field the document does not show is a problem, however deep.
 */
const routes: readonly Route[] = ROUTES;

const compiled = routes
  .map((route) => ({
    route,
    pattern: new RegExp(`^${route.path.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+')}/?$`),
    params: (route.path.match(/\{/g) ?? []).length,
  }))
  .sort((a, b) => a.params - b.params);

/** The route table's route of a request, by method and URL (absolute, or a path with a query). */
export function routeOf(method: string, url: string): Route | undefined {
  const path = new URL(url, 'http://localhost').pathname;
  return compiled.find((c) => c.route.method === method.toUpperCase() && c.pattern.test(path))?.route;
}

/** Every way an answer departs from the document, one line each; empty when it is as documented. */
export function undocumented(method: string, url: string, status: number, body: unknown): string[] {
  const route = routeOf(method, url);
  const request = `${method.toUpperCase()} ${url}`;
  if (route === undefined) return [`${request}: no route of the route table`];
  const schema = documentedResponse(route.method, route.path, status);
  const where = `${route.method} ${route.path} → ${status}`;
  if (schema === undefined) return [`${where}: the document shows no such answer`];
  if (schema === null)
    return body === undefined || body === '' ? [] : [`${where}: a body where the document shows none`];
  const parsed = schema.safeParse(body);
  return parsed.success
    ? []
    : parsed.error.issues.map(
        (issue) =>
          `${where}: $.${issue.path.join('.')}: ${issue.code === 'unrecognized_keys' ? `undocumented field(s) ${issue.keys.join(', ')}` : issue.message}`,
      );
}
