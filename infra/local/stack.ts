import { appendFileSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { handler as lifecycleSweeper } from '../../functions/lifecycle/handler.js';
import { handler as membersStream } from '../../functions/streams/members.js';
import { handler as rolesStream } from '../../functions/streams/roles.js';
import { handler as tokensStream } from '../../functions/streams/tokens.js';
import { handler as graceSweeper } from '../../functions/sweeper/handler.js';
import { LIFECYCLE_SWEEP_MINUTES } from '../../shared/domain/token-lifecycle.js';
import { logger, withLogContext } from '../../shared/http/logger.js';
import { localMetrics } from '../../shared/observability/metrics.js';
import { bootstrapAccount } from '../../shared/services/bootstrap.js';
import { STREAM_SETTINGS } from '../stream-settings.js';
import { type CheckpointStore, FileCheckpointStore } from './checkpoint-store.js';
import { consoleSite } from './console-site.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { DEV_OIDC_PATH, type DevOidcProvider, startDevOidcProvider } from './dev-oidc-provider.js';
import { type DynamoLocal, startDynamoLocal, stopStaleDynamoLocal } from './dynamodb-local.js';
import { EventSink } from './event-sink.js';
import { LocalGateway } from './gateway.js';
import { releaseInProgressRecords } from './idempotency-recovery.js';
import { createMissingTables, localTableNames, tableEnvironment } from './provision.js';
import { createLocalServer } from './server.js';
import { type DeadLetter, StreamPoller, type StreamSubscription } from './stream-poller.js';
import { TtlSweeper } from './ttl-sweeper.js';

export interface LocalStackOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /**
   * Where DynamoDB Local keeps its data, and the stack its own state (stream checkpoints, events,
   * dead letters, the lock and pid files); undefined keeps it all in memory.
   */
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
  /** The pause between two polls of a stream shard (default 250 ms: four a second, as Lambda's event source mapping polls). */
  readonly pollIntervalMs?: number;
  /**
   * An idle stream is polled less and less often, up to this (ms, default 1 s), and again soon
   * after each request that may have written (any but GET, HEAD and OPTIONS) and each change the
   * sweepers make: far less CPU for DynamoDB Local while nothing happens.
   */
  readonly idlePollIntervalMs?: number;
  /** Where the stream poller keeps its checkpoints; the data folder's file by default, else this run's memory. */
  readonly checkpoints?: CheckpointStore;
}

const DEFAULT_POLL_MS = 250;
const DEFAULT_IDLE_POLL_MS = 1000;
/** Requests that write nothing a stream carries (a GET's record of use is seen at the next idle poll). */
const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(
      `Port ${port} is already in use: stop what is using it, or start on another port with PORT=<port> npm start.`,
    );
  }
}

interface Parts {
  server: Server;
  lock?: DataDirLock;
  dynamo?: DynamoLocal;
  poller?: StreamPoller;
  sweeper?: TtlSweeper;
}

type Log = (line: string) => void;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms).unref());

/** Seconds since `start` (a `performance.now()`), for the progress lines: "(3.2 s)". */
const since = (start: number) => `${((performance.now() - start) / 1000).toFixed(1)} s`;

/** Listens on the port (a busy one fails here, before anything else starts). */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolvePort, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error),
    );
    server.listen(port, host, () => {
      const address = server.address();
      resolvePort(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * DynamoDB Local on the data folder (after stopping one a crashed run left on it), or in memory.
 * The caller holds the folder's lock.
 */
async function startDatabase(parts: Parts, dataDir: string | undefined, log: Log): Promise<string> {
  if (dataDir !== undefined) {
    const stale = await stopStaleDynamoLocal(dataDir);
    if (stale.length > 0)
      log(`Stopped a DynamoDB Local left running on ${dataDir} (pid ${stale.join(', ')})`);
  }
  log(`Starting DynamoDB Local (${dataDir ? `data in ${dataDir}` : 'in memory'})…`);
  const started = performance.now();
  parts.dynamo = await startDynamoLocal(dataDir ? { dataDir } : {});
  log(`DynamoDB Local is up (${since(started)})`);
  return parts.dynamo.endpoint;
}

interface ConsumerSettings {
  readonly endpoint: string;
  readonly tables: ReturnType<typeof localTableNames>;
  readonly dataDir: string | undefined;
  readonly freshTables: boolean;
  readonly deadLetters: DeadLetter[];
}

/** The stream poller feeding the stream handlers, and the TTL sweep with the grace sweeper. */
async function startConsumers(parts: Parts, options: LocalStackOptions, settings: ConsumerSettings) {
  const { endpoint, tables, dataDir, deadLetters } = settings;
  const checkpoints =
    options.checkpoints ?? (dataDir !== undefined ? new FileCheckpointStore(dataDir) : undefined);
  const handlers = {
    members: membersStream,
    tokens: tokensStream,
    roles: rolesStream,
    ...options.streamHandlers,
  };
  if (dataDir !== undefined && parts.dynamo !== undefined) {
    // This process holds the folder and its database: whatever is marked in progress was a
    // crashed run's.
    await releaseInProgressRecords(endpoint, tables.idempotency);
  }
  parts.poller = new StreamPoller(
    endpoint,
    (['members', 'tokens', 'roles'] as const).map((id) => ({
      tableName: tables[id],
      functionName: `${id}-stream`,
      handler: handlers[id],
      ...STREAM_SETTINGS,
    })),
    {
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_MS,
      idlePollIntervalMs: options.idlePollIntervalMs ?? DEFAULT_IDLE_POLL_MS,
      // The TTL sweeper learns from the streams when the next item expires (see ttl-sweeper.ts).
      onRecords: (records) => {
        for (const record of records) {
          const ttl = record.dynamodb?.NewImage?.ttl?.N;
          if (ttl !== undefined) parts.sweeper?.noteExpiry(Number(ttl));
        }
      },
      // With a data folder: from the kept checkpoints (the stream's start where there is none).
      // In memory: fresh tables from their start; tables shared with others, from now on.
      ...(checkpoints !== undefined ? { checkpoints } : {}),
      startAt: settings.freshTables ? 'TRIM_HORIZON' : 'LATEST',
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
  // The lifecycle sweep (every 15 minutes deployed) runs at the same pace: every 15 seconds.
  let ticks = 0;
  const scheduled = async () => {
    const { ended } = await withLogContext(graceSweeper);
    if (ticks++ % LIFECYCLE_SWEEP_MINUTES !== 0) return ended > 0;
    const { reminded, revoked } = await withLogContext(lifecycleSweeper);
    return ended + reminded + revoked > 0;
  };
  const poller = parts.poller;
  parts.sweeper = new TtlSweeper(endpoint, tables, {
    intervalMs: 1000,
    scheduled,
    // What the sweepers wrote reaches the streams: poll them soon, as after a request.
    onChange: () => poller.wake(),
  });
  parts.sweeper.start();
}

/**
 * Console sign-in, locally: the development OpenID provider on this server, whose accounts are the
 * account's members, and the sign-in settings that point the functions at it. The issuer is named
 * on `localhost` (where the console is opened); the functions fetch its keys on the address the
 * server listens on.
 */
async function startSignIn(url: string, accountId: string): Promise<DevOidcProvider> {
  const origin = url.replace(/^http:\/\/127\.0\.0\.1:/, 'http://localhost:');
  const provider = await startDevOidcProvider({
    issuer: `${origin}${DEV_OIDC_PATH}`,
    consoleOrigins: [...new Set([origin, url])],
    accountId,
  });
  Object.assign(process.env, {
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: provider.clientId,
    OIDC_JWKS_URI: `${url}${DEV_OIDC_PATH}/jwks`,
    CONSOLE_ACCOUNT_ID: accountId,
  });
  return provider;
}

/**
 * The whole system on one machine: DynamoDB Local, the tables from the shared definitions, the
 * account and its owner on first start, the local gateway in front of the same handlers, the
 * stream poller feeding the same stream handlers, the local event sink, and TTL. A data folder is
 * used by one stack at a time (a lock file with the owner's pid), and what the stack keeps there
 * lets a crash lose nothing: the poller resumes from its checkpoints, the event sink drops what
 * it already holds.
 */
export class LocalStack {
  /** Console sign-in: the development OpenID provider's issuer and the console's client id there. */
  signIn: { readonly issuer: string; readonly clientId: string } = { issuer: '', clientId: '' };

  private constructor(
    readonly url: string,
    readonly gateway: LocalGateway,
    readonly accountId: string,
    /** Set only on the start that created the account. */
    readonly ownerToken: string | undefined,
    private readonly sink: EventSink,
    readonly deadLetters: DeadLetter[],
    private readonly parts: Parts,
  ) {}

  /** Every event published so far, oldest first (across restarts, with a data folder). */
  get events(): unknown[] {
    return this.sink.items;
  }

  static async start(options: LocalStackOptions): Promise<LocalStack> {
    const log = options.log ?? (() => undefined);
    const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
    const gateway = new LocalGateway({ cacheTtlSeconds: options.cacheTtlSeconds });
    const deadLetters: DeadLetter[] = [];
    let ready = false;
    let signIn: DevOidcProvider | undefined;
    let sink = new EventSink();
    const server = createLocalServer(gateway, {
      events: (after) => sink.after(after),
      addEvents: (added) => sink.add(added),
      deadLetters: () => deadLetters,
      metrics: localMetrics,
      flush: () => gateway.flushAuthorizerCache(),
      ready: () => ready,
      signIn: () => signIn?.handle,
      console: consoleSite(() => signIn && { issuer: signIn.issuer, clientId: signIn.clientId }),
    });
    const parts: Parts = { server };
    // A request may have written: idle streams are polled again soon (see idlePollIntervalMs).
    server.on('request', (request, response) => {
      if (!READ_ONLY_METHODS.has(request.method ?? '')) response.once('finish', () => parts.poller?.wake());
    });
    try {
      // The folder first: a second start on it is refused for that, whatever its port.
      if (dataDir !== undefined) {
        mkdirSync(dataDir, { recursive: true });
        parts.lock = lockDataDir(dataDir);
        sink = new EventSink(dataDir);
      }
      const port = await listen(server, options.port, options.host ?? '127.0.0.1');
      const host = options.host ?? '127.0.0.1';
      const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
      const endpoint = options.dynamoEndpoint ?? (await startDatabase(parts, dataDir, log));
      const tables = localTableNames(options.tablePrefix ?? 'local');
      Object.assign(process.env, {
        DYNAMODB_ENDPOINT: endpoint,
        AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
        AUTHORIZER_CACHE_TTL: String(options.cacheTtlSeconds),
        LOCAL_EVENT_SINK: `${url}/_local/events`,
        LOCAL_AUTHORIZER_FLUSH_URL: `${url}/_local/flush-authorizer-cache`,
        ...tableEnvironment(tables),
      });
      let step = performance.now();
      const created = await createMissingTables(endpoint, tables);
      log(
        created.length > 0
          ? `Created tables: ${created.join(', ')} (${since(step)})`
          : `Tables are in place: ${Object.values(tables).join(', ')} (${since(step)})`,
      );
      step = performance.now();
      await startConsumers(parts, options, {
        endpoint,
        tables,
        dataDir,
        freshTables: created.length > 0,
        deadLetters,
      });
      log(`Stream poller and TTL sweeper running (${since(step)})`);
      step = performance.now();

      const accountId = options.accountId ?? 'local';
      const account = await bootstrapAccount({
        accountId,
        accountName: 'Local account',
        ownerEmail: options.ownerEmail ?? 'owner@localhost',
      });
      log(`Account ${account.created ? 'created' : 'in place'} (${since(step)})`);
      step = performance.now();
      signIn = await startSignIn(url, accountId);
      log(`Console sign-in ready (${since(step)})`);
      ready = true;
      const ownerToken = account.created ? account.ownerToken : undefined;
      const stack = new LocalStack(url, gateway, accountId, ownerToken, sink, deadLetters, parts);
      stack.signIn = { issuer: signIn.issuer, clientId: signIn.clientId };
      return stack;
    } catch (error) {
      await new LocalStack('', gateway, '', undefined, sink, deadLetters, parts).stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    const { server, lock, dynamo, poller, sweeper } = this.parts;
    // Consumers first (they call back into the server), then the server, then the database. A
    // consumer stuck on a stalled database is not waited for long: the database goes anyway.
    await Promise.race([poller?.stop(), sleep(15_000)]);
    await Promise.race([sweeper?.stop(), sleep(5000)]);
    await new Promise<void>((done) => {
      if (!server.listening) return done();
      server.close(() => done());
      server.closeAllConnections();
    });
    await dynamo?.stop();
    lock?.release();
  }
}
