import type { Command } from 'commander';

/** Adds an Examples section to a command's --help (the CLI test requires one on every command that runs). */
export function examples(command: Command, lines: readonly string[]): Command {
  return command.addHelpText(
    'after',
    `\nExamples:\n${lines.map((l) => `  $ access-tokens ${l}`).join('\n')}\n`,
  );
}

/** A list page as the API sends it. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly totalCount: number;
}
