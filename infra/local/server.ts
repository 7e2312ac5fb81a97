import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody, errorResponse } from '../../shared/http/api-handler.js';
import { invalid } from '../../shared/http/errors.js';
import { gatewayAnswer } from '../../shared/http/gateway-responses.js';
import { parseJsonText } from '../../shared/http/json-body.js';
import { DEV_OIDC_PATH } from './dev-oidc-provider.js';
import type { LocalGateway } from './gateway.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalRoutes {
  /**
   * `GET /_local/events[?after=<eventId>]`: what the local event sink holds (after that event);
   * `POST` adds to it (the publisher, locally).
   */
  readonly events: (after: string | undefined) => unknown[];
  readonly addEvents: (events: unknown[]) => void;
  /** `GET /_local/dlq`: stream records that kept failing. */
  readonly deadLetters: () => unknown[];
  /** `GET /_local/metrics`: the service's metrics, as this process recorded them (local-metrics.ts). */
  readonly metrics: () => unknown;
  /** `POST /_local/flush-authorizer-cache`: the local FlushStageAuthorizersCache. */
  readonly flush: () => void;
  /** False while the stack is still starting: API calls get a 503 until then. */
  readonly ready: () => boolean;
  /** Requests under `/oidc`: the development OpenID provider, once it runs (dev-oidc-provider.ts). */
  readonly signIn?: () => ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  /** The console's static files and `/config.json` (console-site.ts): true when it answered the request. */
  readonly console?: (request: IncomingMessage, response: ServerResponse, url: URL) => boolean;
}

class BodyTooLargeError extends Error {}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8');
}

/** `POST /_local/events` takes `{items: [...]}`; anything else is a 400, as the API would answer. */
async function postedEvents(request: IncomingMessage): Promise<unknown[]> {
  const posted = parseJsonText((await readBody(request)) ?? '{}');
  if (typeof posted !== 'object' || posted === null || Array.isArray(posted)) {
    throw invalid('the body must be an object {"items": [...]}');
  }
  const { items = [] } = posted as { items?: unknown };
  if (!Array.isArray(items)) throw invalid('items: must be an array');
  return items;
}

/**
 * What node answers itself, before a request exists (headers over its limit, a malformed request
 * line, a request that never finished): the contract's error shape rather than a bare status line.
 * Size limits are a 400 here as everywhere in this API (the body limit above, API Gateway's
 * REQUEST_TOO_LARGE); node's header limit itself is kept.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const message =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'the request headers are larger than the server accepts'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'the request was not received in time'
        : 'the request is not valid HTTP';
  const failure = errorBody('invalid_request', message, randomUUID());
  socket.end(
    `HTTP/1.1 ${failure.statusCode} Bad Request\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(failure.body)}\r\n` +
      'connection: close\r\n\r\n' +
      failure.body,
  );
}

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** The local gateway on a node HTTP server, plus the local-only `/_local/*` routes. */
export function createLocalServer(gateway: LocalGateway, local: LocalRoutes): Server {
  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname === '/_local/events' && request.method === 'GET') {
        return send(
          response,
          200,
          { 'content-type': 'application/json' },
          JSON.stringify({ items: local.events(url.searchParams.get('after') ?? undefined) }),
        );
      }
      if (url.pathname === '/_local/events' && request.method === 'POST') {
        local.addEvents(await postedEvents(request));
        return send(response, 204, {}, '');
      }
      if (url.pathname === '/_local/dlq' && request.method === 'GET') {
        return send(
          response,
          200,
          { 'content-type': 'application/json' },
          JSON.stringify({ items: local.deadLetters() }),
        );
      }
      if (url.pathname === '/_local/metrics' && request.method === 'GET') {
        return send(response, 200, { 'content-type': 'application/json' }, JSON.stringify(local.metrics()));
      }
      if (url.pathname === '/_local/flush-authorizer-cache' && request.method === 'POST') {
        local.flush();
        return send(response, 204, {}, '');
      }
      if (!local.ready()) {
        const starting = errorBody(
          'service_unavailable',
          'The local stack is still starting; retry in a moment',
          'local',
        );
        return send(
          response,
          503,
          { ...(starting.headers as Record<string, string>), 'retry-after': '1' },
          starting.body,
        );
      }
      const signIn = local.signIn?.();
      if (
        signIn !== undefined &&
        (url.pathname === DEV_OIDC_PATH || url.pathname.startsWith(`${DEV_OIDC_PATH}/`))
      )
        return signIn(request, response);
      if (local.console?.(request, response, url)) return;
      const body = await readBody(request);
      const headers = Object.fromEntries(
        Object.entries(request.headers).flatMap(([k, v]) =>
          typeof v === 'string' ? [[k, v]] : Array.isArray(v) ? [[k, v.join(',')]] : [],
        ),
      );
      const result = await gateway.handle({
        method: request.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        ...(body !== undefined ? { body } : {}),
        // The socket's peer, as API Gateway's sourceIp is the TCP peer: no header is trusted for it
        // (none known: an empty address, which no IP binding allows).
        sourceIp: request.socket.remoteAddress ?? '',
      });
      send(response, result.status, result.headers as Record<string, string>, result.body);
    } catch (error) {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const id = randomUUID();
      // A body over the limit is API Gateway's REQUEST_TOO_LARGE, answered from the same table.
      const tooLarge = gatewayAnswer('REQUEST_TOO_LARGE');
      const failure =
        error instanceof BodyTooLargeError
          ? errorBody(tooLarge.code, tooLarge.message, id)
          : errorResponse(error, id);
      send(response, failure.statusCode, failure.headers as Record<string, string>, failure.body);
    }
  });
  server.on('clientError', answerClientError);
  return server;
}
