import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { LOCK_FILE } from '../../infra/local/data-dir-lock.js';
import { freePort, PID_FILE } from '../../infra/local/dynamodb-local.js';
import { isAlive } from '../../infra/local/process-info.js';
import { Api, httpTransport } from './api.js';

const TSX = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'cli.mjs');

const dataDirs: string[] = [];

/** A fresh data folder, removed after the test file (whose stacks have stopped by then). */
export function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-stack-'));
  dataDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dataDirs.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A folder something still writes to is left behind rather than failing the file.
    }
  }
});

/** The pids of every process whose command line runs DynamoDB Local on this data folder. */
export function dynamoLocalsOn(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = args.indexOf('-dbPath');
      if (args[0] === 'java' && at !== -1 && args[at + 1] === dataDir && isAlive(Number(entry)))
        pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Whether something still accepts connections on the port. */
export async function serving(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch (error) {
    return (error as Error).name === 'TimeoutError';
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * `npm start` (or its entry, `tsx infra/local/start.ts`) as a real child process in its own
 * process group, on a data folder and a free port, as a person runs it.
 */
export class LocalProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly port: number,
  ) {
    child.stdout?.on('data', (d) => {
      this.output += d;
    });
    child.stderr?.on('data', (d) => {
      this.output += d;
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static spawn(
    dataDir: string,
    options: { port?: number; viaNpm?: boolean; env?: Record<string, string> } = {},
  ): Promise<LocalProcess> {
    const start = (port: number) => {
      const [command, args] = options.viaNpm
        ? ['npm', ['start']]
        : [process.execPath, [TSX, 'infra/local/start.ts']];
      const child = spawn(command, args as string[], {
        env: {
          ...process.env,
          PORT: String(port),
          LOCAL_DATA_DIR: dataDir,
          POWERTOOLS_LOG_LEVEL: 'ERROR',
          // A cold DynamoDB Local on a busy CI machine can take more than the default second.
          DYNAMODB_TIMEOUT_MS: '5000',
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      return new LocalProcess(child, dataDir, port);
    };
    return options.port !== undefined ? Promise.resolve(start(options.port)) : freePort().then(start);
  }

  /** Starts and waits until it serves; its owner token when it created the account. */
  static async start(
    dataDir: string,
    options: { port?: number; viaNpm?: boolean; env?: Record<string, string> } = {},
  ): Promise<LocalProcess> {
    const stack = await LocalProcess.spawn(dataDir, options);
    await stack.waitFor(/Serving the API/, 60_000);
    return stack;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get api(): Api {
    return new Api(0, httpTransport(this.url));
  }

  get ownerToken(): string | undefined {
    return this.output.match(/Owner token: (atk_\S+)/)?.[1];
  }

  /** The node process that runs the stack (the lock file's owner). */
  get nodePid(): number | undefined {
    return readJson<{ pid: number }>(join(this.dataDir, LOCK_FILE))?.pid;
  }

  /** DynamoDB Local's pid and its watchdog's, from the pid file. */
  get dynamo(): { pid: number; watchdogPid: number; port: number } | undefined {
    return readJson(join(this.dataDir, PID_FILE));
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const started = Date.now();
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() - started > timeoutMs)
        throw new Error(
          `waiting for ${pattern}: ${this.child.exitCode ?? 'timed out'}; output:\n${this.output}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Whether it ended within the time; false if it still runs. */
  async endsWithin(ms: number): Promise<boolean> {
    return Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
    ]);
  }

  /** Leaves nothing behind, whatever state a test left it in: the group, node, Java (resumed first). */
  kill(): void {
    const dynamo = this.dynamo;
    const candidates = [...(dynamo ? [dynamo.pid, dynamo.watchdogPid] : []), this.nodePid ?? 0];
    // Only processes of this data folder: a pid in a stale file may belong to someone else by now.
    const ours = candidates.filter((pid) => pid > 0 && this.belongsHere(pid));
    for (const pid of [...ours, ...dynamoLocalsOn(this.dataDir)]) {
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }

  /**
   * A crash that takes the watchdog along (its shells killed first, then node), so that DynamoDB
   * Local is left serving the folder, as a stale pid file's Java would be.
   */
  async crashLeavingDynamoLocal(): Promise<void> {
    const { pid: javaPid, watchdogPid } = this.dynamo!;
    // Until none is left: a watchdog shell can fork a subshell between the scan and the kill, and
    // that one, seeing node gone, would stop DynamoDB Local (seen under load).
    for (let round = 0; round < 20; round++) {
      const others = processGroup(watchdogPid).filter((pid) => pid !== javaPid);
      if (others.length === 0) break;
      for (const pid of others) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    process.kill(this.nodePid!, 'SIGKILL');
    await this.exited;
  }

  private belongsHere(pid: number): boolean {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environment = readFileSync(`/proc/${pid}/environ`, 'utf8');
      return args.includes(this.dataDir) || environment.includes(`LOCAL_DATA_DIR=${this.dataDir}\0`);
    } catch {
      return false;
    }
  }
}

/** The processes of a process group. */
function processGroup(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Until `probe` is true, or throws after `ms`. */
export async function until(
  ms: number,
  probe: () => boolean | Promise<boolean>,
  what = 'condition',
): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > ms) throw new Error(`${what}: not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
