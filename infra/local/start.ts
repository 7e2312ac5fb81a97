/**
 * `npm start`: the API on http://localhost:$PORT against DynamoDB Local, data under .data/
 * (`npm start -- --in-memory` starts empty each time). Prints the owner's first token once, when it
 * creates the account.
 */
import { ConfigError, config } from '../../shared/config/config.js';
import { JavaMissingError } from './dynamodb-local.js';
import { LocalStack, PortInUseError } from './stack.js';

const DATA_DIR = process.env.LOCAL_DATA_DIR ?? '.data';

function portFromEnv(): number {
  const text = process.env.PORT ?? '3000';
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be a port number, got "${text}"`);
  return port;
}

function explain(error: unknown, inMemory: boolean): string {
  if (error instanceof JavaMissingError || error instanceof PortInUseError || error instanceof ConfigError)
    return error.message;
  const message = (error as Error).message ?? String(error);
  const fromDynamo =
    /DynamoDB Local/.test(message) || (error as { $metadata?: unknown }).$metadata !== undefined;
  if (fromDynamo && !inMemory) {
    return `DynamoDB Local could not use its data in ${DATA_DIR}/ (it may be corrupt or from another version): move ${DATA_DIR}/ away and start again, or run \`npm start -- --in-memory\`.`;
  }
  return `Could not start the local stack: ${message.split('\n')[0]}`;
}

async function main(): Promise<void> {
  // The deployed Lambdas run Node.js 22; the SDK's notice about Node 20 is noise for local use.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const inMemory = process.argv.includes('--in-memory');
  const log = (line: string) => console.log(line);
  let stack: LocalStack;
  try {
    const port = portFromEnv();
    const cacheTtlSeconds = config.authorizerCacheTtlSeconds();
    stack = await LocalStack.start({
      port,
      ...(inMemory ? {} : { dataDir: DATA_DIR }),
      cacheTtlSeconds,
      log,
      ...(process.env.HOST ? { host: process.env.HOST } : {}),
    });
  } catch (error) {
    console.error(explain(error, inMemory));
    process.exit(1);
  }
  if (stack.ownerToken !== undefined) {
    log('Created the account and its owner. The owner token is shown this once; keep it:');
    log(`Owner token: ${stack.ownerToken}`);
  } else {
    log(`Using the existing account in ${DATA_DIR}/ (its owner token was printed on the first start).`);
  }
  log(
    `Serving the API on ${stack.url}/api/v2 (authorizer cache TTL ${config.authorizerCacheTtlSeconds()} s). Ctrl-C stops.`,
  );
  log(`  try: curl -H "Authorization: <token>" ${stack.url}/api/v2/caller-identity`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: stopping…`);
    await stack.stop();
    log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
