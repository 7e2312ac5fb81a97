import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorBody } from '../../shared/http/api-handler.js';
import type { LocalGateway } from './gateway.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalRoutes {
  /** `GET /_local/events`: what the local event sink holds; `POST` adds to it (the publisher, locally). */
  readonly events: () => unknown[];
  readonly addEvents: (events: unknown[]) => void;
  /** `GET /_local/dlq`: stream records that kept failing. */
  readonly deadLetters: () => unknown[];
  /** `POST /_local/flush-authorizer-cache`: the local FlushStageAuthorizersCache. */
  readonly flush: () => void;
  /** False while the stack is still starting: API calls get a 503 until then. */
  readonly ready: () => boolean;
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

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** The local gateway on a node HTTP server, plus the local-only `/_local/*` routes. */
export function createLocalServer(gateway: LocalGateway, local: LocalRoutes): Server {
  return createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    try {
      if (url.pathname === '/_local/events' && request.method === 'GET') {
        return send(
          response,
          200,
          { 'content-type': 'application/json' },
          JSON.stringify({ items: local.events() }),
        );
      }
      if (url.pathname === '/_local/events' && request.method === 'POST') {
        const posted = JSON.parse((await readBody(request)) ?? '{}') as { items?: unknown[] };
        local.addEvents(Array.isArray(posted.items) ? posted.items : []);
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
      });
      send(response, result.status, result.headers as Record<string, string>, result.body);
    } catch (error) {
      const id = 'local';
      const failure =
        error instanceof BodyTooLargeError
          ? errorBody('invalid_request', `the request body is larger than ${MAX_BODY_BYTES} bytes`, id)
          : errorBody('internal_server_error', 'Internal server error', id);
      send(response, failure.statusCode, failure.headers as Record<string, string>, failure.body);
    }
  });
}
