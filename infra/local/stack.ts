import { appendFileSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { handler as membersStream } from '../../functions/streams/members.js';
import { handler as rolesStream } from '../../functions/streams/roles.js';
import { handler as tokensStream } from '../../functions/streams/tokens.js';
import { handler as graceSweeper } from '../../functions/sweeper/handler.js';
import { logger } from '../../shared/http/logger.js';
import { bootstrapAccount } from '../../shared/services/bootstrap.js';
import { STREAM_SETTINGS } from '../stream-settings.js';
import { type DynamoLocal, startDynamoLocal } from './dynamodb-local.js';
import { LocalGateway } from './gateway.js';
import { createMissingTables, localTableNames, tableEnvironment } from './provision.js';
import { createLocalServer } from './server.js';
import { type DeadLetter, StreamPoller, type StreamSubscription } from './stream-poller.js';
import { TtlSweeper } from './ttl-sweeper.js';

export interface LocalStackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** Where DynamoDB Local keeps its data; undefined keeps it in memory. */
  readonly dataDir?: string;
  /** Use a DynamoDB Local that is already running (tests share one) instead of starting one. */
  readonly dynamoEndpoint?: string;
  readonly tablePrefix?: string;
  readonly cacheTtlSeconds: number;
  readonly accountId?: string;
  readonly ownerEmail?: string;
  readonly log?: (line: string) => void;
  /** Stream consumers; the real handlers by default (tests replace them to make records fail). */
  readonly streamHandlers?: Partial<Record<'members' | 'tokens' | 'roles', StreamSubscription['handler']>>;
  readonly pollIntervalMs?: number;
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(
      `Port ${port} is already in use: stop what is using it, or start on another port with PORT=<port> npm start.`,
    );
  }
}

/**
 * The whole system on one machine: DynamoDB Local, the tables from the shared definitions, the
 * account and its owner on first start, the local gateway in front of the same handlers, the
 * stream poller feeding the same stream handlers, the local event sink, and TTL.
 */
export class LocalStack {
  private constructor(
    readonly url: string,
    readonly gateway: LocalGateway,
    readonly accountId: string,
    /** Set only on the start that created the account. */
    readonly ownerToken: string | undefined,
    readonly events: unknown[],
    readonly deadLetters: DeadLetter[],
    private readonly parts: {
      server: Server;
      dynamo?: DynamoLocal;
      poller?: StreamPoller;
      sweeper?: TtlSweeper;
    },
  ) {}

  static async start(options: LocalStackOptions): Promise<LocalStack> {
    const log = options.log ?? (() => undefined);
    const host = options.host ?? '127.0.0.1';
    const gateway = new LocalGateway({ cacheTtlSeconds: options.cacheTtlSeconds });
    const events: unknown[] = [];
    const deadLetters: DeadLetter[] = [];
    let ready = false;
    const server = createLocalServer(gateway, {
      events: () => events,
      addEvents: (added) => events.push(...added),
      deadLetters: () => deadLetters,
      flush: () => gateway.flushAuthorizerCache(),
      ready: () => ready,
    });
    // Take the port first: a busy port should fail before anything else starts.
    const port = await new Promise<number>((resolvePort, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.port) : error),
      );
      server.listen(options.port, host, () => {
        const address = server.address();
        resolvePort(typeof address === 'object' && address ? address.port : options.port);
      });
    });
    const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;

    const parts: { server: Server; dynamo?: DynamoLocal; poller?: StreamPoller; sweeper?: TtlSweeper } = {
      server,
    };
    try {
      let endpoint = options.dynamoEndpoint;
      const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
      if (endpoint === undefined) {
        if (dataDir) mkdirSync(dataDir, { recursive: true });
        log(`Starting DynamoDB Local (${dataDir ? `data in ${options.dataDir}` : 'in memory'})…`);
        parts.dynamo = await startDynamoLocal(dataDir ? { dataDir } : {});
        endpoint = parts.dynamo.endpoint;
      }
      const tables = localTableNames(options.tablePrefix ?? 'local');
      Object.assign(process.env, {
        DYNAMODB_ENDPOINT: endpoint,
        AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
        AUTHORIZER_CACHE_TTL: String(options.cacheTtlSeconds),
        LOCAL_EVENT_SINK: `${url}/_local/events`,
        LOCAL_AUTHORIZER_FLUSH_URL: `${url}/_local/flush-authorizer-cache`,
        ...tableEnvironment(tables),
      });
      const created = await createMissingTables(endpoint, tables);
      log(created.length > 0 ? `Created tables: ${created.join(', ')}` : 'Tables are in place');

      const handlers = {
        members: membersStream,
        tokens: tokensStream,
        roles: rolesStream,
        ...options.streamHandlers,
      };
      parts.poller = new StreamPoller(
        endpoint,
        (['members', 'tokens', 'roles'] as const).map((id) => ({
          tableName: tables[id],
          functionName: `${id}-stream`,
          handler: handlers[id],
          ...STREAM_SETTINGS,
        })),
        {
          pollIntervalMs: options.pollIntervalMs ?? 50,
          // Fresh tables are read from their start; on reused data, only what happens from now on.
          startAt: created.length > 0 ? 'TRIM_HORIZON' : 'LATEST',
          onDeadLetter: (entry) => {
            deadLetters.push(entry);
            logger.error('stream record sent to the dead-letter queue', { entry });
            if (dataDir) appendFileSync(join(dataDir, 'dlq.jsonl'), `${JSON.stringify(entry)}\n`);
          },
          onError: (error) => logger.error('stream poller error', { error: error as Error }),
        },
      );
      await parts.poller.start();
      // The deployed grace sweeper runs every minute on a schedule; locally every second, with TTL.
      parts.sweeper = new TtlSweeper(endpoint, tables, 1000, graceSweeper);
      parts.sweeper.start();
      log('Stream poller and TTL sweeper running');

      const accountId = options.accountId ?? 'local';
      const account = await bootstrapAccount({
        accountId,
        accountName: 'Local account',
        ownerEmail: options.ownerEmail ?? 'owner@localhost',
      });
      ready = true;
      return new LocalStack(
        url,
        gateway,
        accountId,
        account.created ? account.ownerToken : undefined,
        events,
        deadLetters,
        parts,
      );
    } catch (error) {
      await new LocalStack(url, gateway, '', undefined, events, deadLetters, parts).stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    const { server, dynamo, poller, sweeper } = this.parts;
    // Consumers first (they call back into the server), then the server, then the database.
    await poller?.stop();
    await sweeper?.stop();
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
    await dynamo?.stop();
  }
}
