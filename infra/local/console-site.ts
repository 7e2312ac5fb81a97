/**
 * `npm start` serves the console (console/, a Vite build) at `/`, and its settings at
 * `/config.json`, the same file the CDK stack writes into the console's bucket on AWS: the API on
 * this server, the development OpenID provider, and the console's address as its redirect URI.
 * The build is made (or made again) by `ensureConsoleBuilt` (console-build.ts) when it is missing
 * or older than its sources.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { CONSOLE_DIST } from '../console-build.js';
import { CONSOLE_HEADERS, consoleContentSecurityPolicy, originOf } from '../console-headers.js';

export { ensureConsoleBuilt } from '../console-build.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** The sign-in settings of the running stack; undefined while it starts. */
export type ConsoleSignIn = () => { readonly issuer: string; readonly clientId: string } | undefined;

function securityHeaders(issuer: string | undefined): Record<string, string> {
  return {
    ...CONSOLE_HEADERS,
    'content-security-policy': consoleContentSecurityPolicy(issuer !== undefined ? [originOf(issuer)] : [], {
      https: false,
    }),
  };
}

/** The file under console/dist for a request path, or undefined (no escaping the folder). */
function fileFor(pathname: string): string | undefined {
  let relative: string;
  try {
    relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
  } catch {
    return undefined;
  }
  if (relative !== 'index.html' && !relative.startsWith('assets/')) return undefined;
  const path = normalize(join(CONSOLE_DIST, relative));
  return path.startsWith(CONSOLE_DIST + sep) ? path : undefined;
}

/**
 * The handler for the console's paths (`/`, `/index.html`, `/assets/*`, `/config.json`) on GET
 * and HEAD; it answers false for any other request, which goes on to the API.
 */
export function consoleSite(signIn: ConsoleSignIn) {
  return (request: IncomingMessage, response: ServerResponse, url: URL): boolean => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const settings = signIn();
    const headers = securityHeaders(settings?.issuer);
    if (url.pathname === '/config.json') {
      // The address the browser used (localhost or 127.0.0.1), so the API and the redirect stay on it.
      const origin = `http://${request.headers.host ?? 'localhost'}`;
      const body =
        settings === undefined
          ? JSON.stringify({
              code: 'service_unavailable',
              message: 'The local stack is still starting; retry in a moment',
            })
          : JSON.stringify({
              apiBaseUrl: `${origin}/api/v2`,
              oidcIssuer: settings.issuer,
              oidcClientId: settings.clientId,
              redirectUri: `${origin}/`,
            });
      response.writeHead(settings === undefined ? 503 : 200, {
        ...headers,
        'content-type': 'application/json',
        'cache-control': 'no-cache',
        'content-length': Buffer.byteLength(body),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
      return true;
    }
    const file = fileFor(url.pathname);
    if (file === undefined) return false;
    if (!existsSync(file) || !statSync(file).isFile()) {
      const body =
        url.pathname === '/' || url.pathname === '/index.html'
          ? 'The console is not built: run `npm run build:console` (npm start builds it).\n'
          : 'Not found\n';
      response.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
      response.end(request.method === 'HEAD' ? undefined : body);
      return true;
    }
    response.writeHead(200, {
      ...headers,
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      // Vite names assets by their content hash; index.html names the current ones.
      'cache-control': file.includes(`${sep}assets${sep}`)
        ? 'public, max-age=31536000, immutable'
        : 'no-cache',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
    return true;
  };
}
