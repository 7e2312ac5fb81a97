/**
 * The console's static build (console/ → console/dist/, Vite): what `npm start` serves and the CDK
 * app deploys. Both make it when it is missing or older than its sources, so neither serves nor
 * ships a stale console.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));
export const CONSOLE_DIST = join(CONSOLE_DIR, 'dist');
const CONFIG_FILE = join(CONSOLE_DIR, 'vite.config.ts');

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

/** True when console/dist is missing or older than a file it is built from. */
export function consoleBuildIsStale(): boolean {
  const built = join(CONSOLE_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['index.html', 'vite.config.ts', 'src'].map((name) =>
    newestSource(join(CONSOLE_DIR, name)),
  );
  return Math.max(...sources) > statSync(built).mtimeMs;
}

/**
 * Vite writes into a folder of this process's own, which then replaces console/dist in one rename:
 * several processes that find the build stale at once (test files starting stacks) never mix or
 * half-write each other's files.
 */
function privateOutDir(): string {
  const dir = join(CONSOLE_DIR, '..', 'node_modules', '.cache', `console-build-${process.pid}-${Date.now()}`);
  mkdirSync(dirname(dir), { recursive: true });
  return dir;
}

function publish(outDir: string): void {
  rmSync(CONSOLE_DIST, { recursive: true, force: true });
  renameSync(outDir, CONSOLE_DIST);
}

export async function ensureConsoleBuilt(log: (line: string) => void = () => {}): Promise<void> {
  if (!consoleBuildIsStale()) return;
  log('Building the console (console/ → console/dist/)…');
  const { build } = await import('vite');
  const outDir = privateOutDir();
  await build({ configFile: CONFIG_FILE, logLevel: 'warn', build: { outDir } });
  publish(outDir);
}

/** The same, blocking: for the CDK app, whose synthesis is synchronous. */
export function ensureConsoleBuiltSync(): void {
  if (!consoleBuildIsStale()) return;
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  const outDir = privateOutDir();
  execFileSync(
    process.execPath,
    [vite, 'build', '--config', CONFIG_FILE, '--outDir', outDir, '--logLevel', 'warn'],
    {
      stdio: 'inherit',
    },
  );
  publish(outDir);
}
