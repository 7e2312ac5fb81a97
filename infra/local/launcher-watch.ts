import { commandLine, isAlive, parentOf } from './process-info.js';

/**
 * The processes that launched this one for `npm start`: npm (which forwards only SIGINT and
 * SIGTERM to its script), the shell it may run the script in, and tsx's CLI (which runs this code
 * in a child node and relays only SIGINT and SIGTERM). Anything else, such as an interactive
 * shell, ends the chain.
 */
const LAUNCHER =
  /(^|\/)(npm|npx)( |$)|npm-cli\.js|npx-cli\.js|\/tsx\/dist\/cli\.mjs|\/\.bin\/tsx( |$)|^(\/usr)?(\/bin\/)?(da|ba)?sh -c /;

function launchers(): number[] {
  const chain: number[] = [];
  let pid: number | undefined = process.ppid;
  while (pid !== undefined && pid > 1 && chain.length < 5) {
    const args = commandLine(pid)?.join(' ') ?? '';
    if (!LAUNCHER.test(args)) break;
    chain.push(pid);
    pid = parentOf(pid);
  }
  return chain;
}

/**
 * Calls `onGone` once, when a process that launched this one ends. A signal that npm or tsx does
 * not forward (SIGHUP to npm, say) ends them but not this process, which would otherwise go on
 * serving (and keep DynamoDB Local running) with nobody left to stop it.
 */
export function watchLaunchers(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const chain = launchers();
  const timer = setInterval(() => {
    if (process.ppid !== parent || chain.some((pid) => !isAlive(pid))) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
