/** `access-tokens` on the process's own streams (cli/access-tokens.mjs loads this through tsx). */
import { run } from './program.js';

process.stdout.on('error', () => undefined); // a closed pipe (| head) is not a crash
process.exitCode = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stdin: process.stdin,
});
