import { request } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'vitest';

export interface RawRequest {
  readonly method: string;
  /** Sent as written: no normalization of `..`, no re-encoding (unlike fetch). */
  readonly path: string;
  /** An array value sends the header once per element (a duplicated header). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string;
}

export interface RawReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

/** One HTTP request over a fresh socket, exactly as given: what an attacker's client sends. */
export function rawRequest(baseUrl: string, raw: RawRequest): Promise<RawReply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: raw.method,
        path: raw.path,
        // Framed explicitly: node's client sends a GET's body unframed, which no server can read.
        headers: {
          ...(raw.body !== undefined ? { 'content-length': String(Buffer.byteLength(raw.body)) } : {}),
          ...(raw.headers as Record<string, string | string[]>),
        },
        agent: false,
        timeout: 20_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer to ${raw.method} ${raw.path}`)));
    outgoing.on('error', reject);
    outgoing.end(raw.body);
  });
}

/** Bytes straight onto a socket, for requests no HTTP client would form; resolves with the reply. */
export function rawSocket(baseUrl: string, bytes: string): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(bytes));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
    });
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
    socket.setTimeout(20_000, () => socket.destroy(new Error('no answer')));
  });
}

/** The contract's error codes (API.md "Errors"), with the status each one is answered with. */
export const CONTRACT_ERRORS: Readonly<Record<string, number>> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_server_error: 500,
  service_unavailable: 503,
};

/** A non-2xx reply is JSON `{code, message, id}`, with a code of the contract that fits its status. */
export function expectErrorShape(reply: RawReply): { code: string; message: string; id: string } {
  expect(String(reply.headers['content-type'])).toMatch(/^application\/json/);
  const body = JSON.parse(reply.text) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'id', 'message']);
  expect(body).toEqual({ code: expect.any(String), message: expect.any(String), id: expect.any(String) });
  expect(CONTRACT_ERRORS[body.code as string], `status of ${String(body.code)}`).toBe(reply.status);
  return body as { code: string; message: string; id: string };
}
