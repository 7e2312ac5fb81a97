import { vi } from 'vitest';
import { logger } from '../../shared/http/logger.js';

/**
 * Everything written to stdout and stderr while `run` runs, with the log level at INFO: the raw
 * text (to search for what must never be logged) and the JSON log lines (Powertools writes one
 * object per line).
 */
export async function captureOutput(
  run: () => Promise<void>,
): Promise<{ text: string; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const warn = vi.spyOn(console, 'warn').mockImplementation((...args) => capture(args.join(' ')));
  logger.setLogLevel('INFO');
  try {
    await run();
  } finally {
    logger.setLogLevel('SILENT');
    out.mockRestore();
    err.mockRestore();
    warn.mockRestore();
  }
  const text = chunks.join('');
  const lines = text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { text, lines };
}
