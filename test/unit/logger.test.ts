import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger, sendLogsTo, withLogContext } from '../../shared/http/logger.js';

// `npm start` keeps the functions' log lines off the terminal by sending them to a file.
afterEach(() => {
  sendLogsTo(undefined);
  logger.setLogLevel('SILENT');
  vi.restoreAllMocks();
});

/** What reaches stdout and stderr while `run` runs. */
function printed(run: () => void): string {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  run();
  vi.restoreAllMocks();
  return chunks.join('');
}

describe('where log lines go', () => {
  it("with a sink, every line goes to it as Powertools' JSON, an invocation's keys included, and none to stdout or stderr", () => {
    const lines: { line: string; severe: boolean }[] = [];
    sendLogsTo((line, severe) => lines.push({ line, severe }));
    logger.setLogLevel('INFO');
    const terminal = printed(() => {
      logger.info('request', { status: 200 });
      withLogContext(() => {
        logger.appendKeys({ requestId: 'r-1' });
        logger.warn('stream records failed');
        logger.error('unhandled error', { error: new Error('boom') });
      });
      logger.debug('below the level');
    });
    expect(terminal).toBe('');
    expect(lines.map((l) => l.severe)).toEqual([false, true, true]);
    const [request, warning, failure] = lines.map((l) => JSON.parse(l.line));
    expect(request).toMatchObject({
      level: 'INFO',
      message: 'request',
      status: 200,
      service: 'access-tokens',
    });
    expect(request).not.toHaveProperty('requestId');
    expect(warning).toMatchObject({ level: 'WARN', requestId: 'r-1' });
    expect(failure).toMatchObject({ level: 'ERROR', requestId: 'r-1', error: { message: 'boom' } });
    expect(lines.every((l) => !l.line.includes('\n'))).toBe(true);
  });

  it('without one, Powertools prints to stdout as on Lambda', () => {
    logger.setLogLevel('INFO');
    const terminal = printed(() => logger.info('request', { status: 204 }));
    expect(JSON.parse(terminal)).toMatchObject({ message: 'request', status: 204 });
  });
});
