import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { bootstrapAccount } from '../../shared/services/bootstrap.js';
import { type DynamoLocal, startDynamoLocal } from './dynamodb-local.js';
import { LocalGateway } from './gateway.js';
import { createMissingTables, localTableNames, tableEnvironment } from './provision.js';
import { createLocalServer } from './server.js';

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
 * account and its owner on first start, and the local gateway in front of the same handlers.
 */
export class LocalStack {
  private constructor(
    readonly url: string,
    readonly gateway: LocalGateway,
    readonly accountId: string,
    /** Set only on the start that created the account. */
    readonly ownerToken: string | undefined,
    private readonly server: Server,
    private readonly dynamo: DynamoLocal | undefined,
    readonly events: unknown[],
  ) {}

  static async start(options: LocalStackOptions): Promise<LocalStack> {
    const log = options.log ?? (() => undefined);
    const host = options.host ?? '127.0.0.1';
    const gateway = new LocalGateway({ cacheTtlSeconds: options.cacheTtlSeconds });
    const events: unknown[] = [];
    let ready = false;
    const server = createLocalServer(gateway, {
      events: () => events,
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

    let dynamo: DynamoLocal | undefined;
    try {
      let endpoint = options.dynamoEndpoint;
      if (endpoint === undefined) {
        const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
        if (dataDir) mkdirSync(dataDir, { recursive: true });
        log(`Starting DynamoDB Local (${dataDir ? `data in ${options.dataDir}` : 'in memory'})…`);
        dynamo = await startDynamoLocal(dataDir ? { dataDir } : {});
        endpoint = dynamo.endpoint;
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
        server,
        dynamo,
        events,
      );
    } catch (error) {
      server.close();
      await dynamo?.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => {
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
    await this.dynamo?.stop();
  }
}
