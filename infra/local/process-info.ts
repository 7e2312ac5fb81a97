import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Fields of /proc/<pid>/stat after the command name (which is in parentheses and may hold spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs (a zombie, dead but not yet reaped, does not). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return statFields(pid)?.[0] !== 'Z';
}

/** A process's arguments: /proc on Linux, `ps` elsewhere (there split on spaces, good enough to recognise it). */
export function commandLine(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.length === 0 ? undefined : raw.replace(/\0$/, '').split('\0');
  } catch {
    try {
      const text = execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
      return text === '' ? undefined : text.split(' ');
    } catch {
      return undefined;
    }
  }
}

/** The parent of a process, or undefined when it is gone. */
export function parentOf(pid: number): number | undefined {
  const fields = statFields(pid);
  if (fields !== undefined) return Number(fields[1]);
  try {
    const text = execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return text === '' ? undefined : Number(text);
  } catch {
    return undefined;
  }
}

/**
 * When a process started (Linux: clock ticks since boot), so that a pid reused by an unrelated
 * process is not taken for the one that wrote it down. Undefined where it cannot be known.
 */
export function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** Whether the process that wrote down (pid, startTime) is still the one running under that pid. */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  const now = startTimeOf(pid);
  return startTime === undefined || now === undefined || now === startTime;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends SIGTERM, waits up to `graceMs` for the process to go, then SIGKILL. */
export async function terminate(pid: number, graceMs = 3000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
  while (isAlive(pid) && Date.now() < deadline + 2000) await sleep(20);
}
