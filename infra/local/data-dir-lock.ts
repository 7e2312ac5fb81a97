import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess, startTimeOf } from './process-info.js';

/** The data folder's owner: the node process that runs the local stack on it. */
export const LOCK_FILE = 'local-stack.lock';

interface Owner {
  readonly pid: number;
  /** Tells the owner apart from a later process that got the same pid. */
  readonly startTime?: string;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data folder ${dataDir}/ is in use by another local stack (pid ${pid}): stop that one first, or start with LOCAL_DATA_DIR=<another folder> or --in-memory.`,
    );
  }
}

export interface DataDirLock {
  release(): void;
}

function readOwner(path: string): Owner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Owner;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

function tryCreate(path: string, owner: Owner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Takes the data folder for this process: a lock file created exclusively, holding the owner's
 * pid. A live owner means the folder is in use (DataDirInUseError); a lock whose owner is gone
 * (it crashed) is stale and taken over. Two starts racing for a stale lock: each moves it aside
 * under its own name first, and only one of them can move the stale one.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const me: Owner = {
    pid: process.pid,
    ...(startTimeOf(process.pid) ? { startTime: startTimeOf(process.pid) } : {}),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path, me)) {
      return {
        release: () => {
          if (readOwner(path)?.pid === me.pid) rmSync(path, { force: true });
        },
      };
    }
    const owner = readOwner(path);
    if (owner !== undefined && isSameProcess(owner.pid, owner.startTime)) {
      throw new DataDirInUseError(dataDir, owner.pid);
    }
    // Stale (or unreadable: a crash while it was being written). Move it aside, check it was
    // still the stale one we looked at, and try again.
    const aside = `${path}.${process.pid}.stale`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    const moved = readOwner(aside);
    if (moved !== undefined && moved.pid !== owner?.pid && isSameProcess(moved.pid, moved.startTime)) {
      // A racing start took the folder between our read and our move: give its lock back.
      renameSync(aside, path);
      throw new DataDirInUseError(dataDir, moved.pid);
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`Could not take the lock ${path}; remove it if no local stack is running`);
}
