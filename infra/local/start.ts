/**
 * `npm start`: the API on http://localhost:$PORT against DynamoDB Local, data under .data/
 * (`npm start -- --in-memory` starts empty each time). Prints the owner's first token once, when it
 * creates the account. The functions' log lines go to a file (`--verbose`: to stdout).
 */
import { mkdirSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, config } from '../../shared/config/config.js';
import { sendLogsTo } from '../../shared/http/logger.js';
import { ensureConsoleBuilt } from './console-site.js';
import { DataDirInUseError } from './data-dir-lock.js';
import { JavaMissingError, JavaTooOldError } from './dynamodb-local.js';
import { watchLaunchers } from './launcher-watch.js';
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
  if (
    error instanceof JavaMissingError ||
    error instanceof JavaTooOldError ||
    error instanceof PortInUseError ||
    error instanceof ConfigError ||
    error instanceof DataDirInUseError
  )
    return error.message;
  const message = (error as Error).message ?? String(error);
  if ((error as Error).name === 'TimeoutError') {
    return `DynamoDB Local did not answer in time (${message.split('\n')[0]}); the machine may be busy: try again, or raise DYNAMODB_TIMEOUT_MS.`;
  }
  const fromDynamo =
    /DynamoDB Local/.test(message) || (error as { $metadata?: unknown }).$metadata !== undefined;
  if (fromDynamo && !inMemory) {
    return `DynamoDB Local could not use its data in ${DATA_DIR}/ (it may be corrupt or from another version): move ${DATA_DIR}/ away and start again, or run \`npm start -- --in-memory\`.`;
  }
  return `Could not start the local stack: ${message.split('\n')[0]}`;
}

/** Output that cannot fail: once the terminal is gone (SIGHUP), writes fail and must not stop the shutdown. */
function say(line: string, stream: NodeJS.WriteStream = process.stdout): void {
  try {
    stream.write(`${line}\n`);
  } catch {
    // nobody is reading any more
  }
}
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

/**
 * Stops the stack on SIGINT, SIGTERM and SIGHUP, and when a process that launched this one ends
 * without passing a signal on. `npm start` runs npm → sh -c → tsx → this node: npm forwards only
 * SIGINT and SIGTERM, and to the shell, which dies of SIGTERM and holds SIGINT until its child
 * ends; npm dies of SIGHUP; tsx relays SIGINT and SIGTERM here. Ctrl-C and a closing terminal
 * signal the whole process group, so this process gets those directly. A stop that hangs is cut
 * short: exiting takes Java along (see dynamodb-local.ts), and the lock left behind is stale, so
 * the next start takes it over.
 */
function stopOnSignals(stack: () => LocalStack | undefined): { stopping: () => boolean } {
  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${reason}: stopping…`);
    setTimeout(() => {
      say('The stack did not stop within 20 s; exiting anyway.', process.stderr);
      process.exit(1);
    }, 20_000).unref();
    const running = stack();
    // Still starting: main() stops it as soon as it is up.
    if (running !== undefined) await stopAndExit(running);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void shutdown(signal));
  watchLaunchers(() => void shutdown('the process that started the stack ended'));
  return { stopping: () => stopping };
}

/**
 * The functions' log lines (one per request, and the stream handlers' and sweeper's) go to a file,
 * so that the terminal keeps the startup lines and the owner token readable: the data folder's
 * `logs/requests.log`, or with `--in-memory` a new temporary folder's. Warnings and errors are
 * shown on stderr too. The data folder's file is made on the first line. Returns the file.
 */
function logsToFile(inMemory: boolean): string {
  const file = join(
    inMemory ? mkdtempSync(join(tmpdir(), 'access-tokens-')) : join(DATA_DIR, 'logs'),
    'requests.log',
  );
  let fd: number | undefined;
  sendLogsTo((line, severe) => {
    try {
      if (fd === undefined) {
        mkdirSync(dirname(file), { recursive: true });
        fd = openSync(file, 'a');
      }
      // Synchronous: a line written just before the process exits is not lost.
      writeSync(fd, `${line}\n`);
    } catch {
      // A log that cannot be written must not fail the request that logged.
    }
    if (severe) say(line, process.stderr);
  });
  return file;
}

async function stopAndExit(stack: LocalStack): Promise<never> {
  try {
    await stack.stop();
    say('Stopped.');
    process.exit(0);
  } catch (error) {
    say(`Could not stop cleanly: ${(error as Error).message}`, process.stderr);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  // The deployed Lambdas run Node.js 22; the SDK's notice about Node 20 is noise for local use.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const inMemory = process.argv.includes('--in-memory');
  const logFile = process.argv.includes('--verbose') ? undefined : logsToFile(inMemory);
  const log = (line: string) => say(line);
  let stack: LocalStack | undefined;
  const signals = stopOnSignals(() => stack);
  try {
    const port = portFromEnv();
    const cacheTtlSeconds = config.authorizerCacheTtlSeconds();
    await ensureConsoleBuilt(log);
    stack = await LocalStack.start({
      port,
      ...(inMemory ? {} : { dataDir: DATA_DIR }),
      cacheTtlSeconds,
      log,
      ...(process.env.HOST ? { host: process.env.HOST } : {}),
      // How often a stream is polled (default 250 ms); the crash tests slow it down, to crash
      // before the poller has seen a change.
      ...(process.env.LOCAL_STREAM_POLL_MS
        ? { pollIntervalMs: Number(process.env.LOCAL_STREAM_POLL_MS) }
        : {}),
    });
  } catch (error) {
    say(explain(error, inMemory), process.stderr);
    process.exit(1);
  }
  if (signals.stopping()) return void (await stopAndExit(stack));
  if (stack.ownerToken !== undefined) {
    log('Created the account and its owner. The owner token is shown this once; keep it:');
    log(`Owner token: ${stack.ownerToken}`);
  } else {
    log(`Using the existing account in ${DATA_DIR}/ (its owner token was printed on the first start).`);
  }
  log(
    logFile === undefined
      ? 'Request logs: on stdout, one JSON line per request (--verbose).'
      : `Request logs: ${logFile} (warnings and errors are shown here too; \`npm start -- --verbose\` shows them all here).`,
  );
  log(
    `Serving the API on ${stack.url}/api/v2 (authorizer cache TTL ${config.authorizerCacheTtlSeconds()} s), ready ${(performance.now() / 1000).toFixed(1)} s after the start. Ctrl-C stops.`,
  );
  log(`  try: curl -H "Authorization: <token>" ${stack.url}/api/v2/caller-identity`);
  log(`Console: ${stack.url.replace('//127.0.0.1:', '//localhost:')}/`);
  log(
    `Console sign-in: development OpenID provider at ${stack.signIn.issuer} (client id "${stack.signIn.clientId}"; any member's e-mail, no password).`,
  );
}

void main();
