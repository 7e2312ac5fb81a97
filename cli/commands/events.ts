import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { ApiError, CliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { parseCount } from '../parse.js';
import { examples } from './help.js';

/** An event as the local sink holds it: EventBridge's envelope (shared/events/events.ts). */
interface LocalEvent {
  readonly id?: string;
  readonly 'detail-type'?: string;
  readonly time?: string;
  readonly detail?: {
    readonly eventId?: string;
    readonly tokenId?: string;
    readonly memberId?: string;
    readonly reason?: string;
  };
}

const idOf = (e: LocalEvent) => e.detail?.eventId ?? e.id;

function line(e: LocalEvent): string {
  const d = e.detail ?? {};
  return [
    e.time ?? '',
    (e['detail-type'] ?? '?').padEnd(26),
    d.tokenId !== undefined ? `token ${d.tokenId}` : '',
    d.memberId !== undefined ? `member ${d.memberId}` : '',
    d.reason !== undefined ? `(${d.reason})` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

const pause = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export function registerEvents(program: Command, cli: Cli): void {
  const events = program
    .command('events')
    .description('Events the service publishes (revocations and changes of rights)');

  examples(
    events
      .command('tail')
      .description(
        'Print the last events and follow new ones, polling the local stack (npm start) at GET /_local/events?after=<eventId>; on AWS they go to the EventBridge bus instead',
      )
      .option('-n, --lines <n>', 'how many past events to show first', parseCount, 10)
      .option('--no-follow', 'print the past events and exit')
      .option('--interval <ms>', 'how often to poll, in milliseconds', parseCount, 1000)
      .action(async (o: { lines: number; follow: boolean; interval: number }, command: Command) => {
        const client = cli.client(command);
        const json = cli.globals(command).json;
        const print = (e: LocalEvent) => cli.out(json ? JSON.stringify(e) : line(e));
        let lastId: string | undefined;
        const notLocal = new CliError(
          `${client.baseUrl} has no /_local/events: events tail follows the local stack (npm start) only. On AWS, events go to the stack's EventBridge bus; subscribe with a rule.`,
          EXIT.refused,
        );
        const fetchNew = async (): Promise<LocalEvent[]> => {
          let page: { items?: unknown } | undefined;
          try {
            page = await client.request('GET', '/_local/events', {
              outsideApi: true,
              anonymous: true,
              query: { after: lastId },
            });
          } catch (error) {
            throw error instanceof ApiError && (error.status === 404 || error.status === 403)
              ? notLocal
              : error;
          }
          // Anything else answering there (a console page, a proxy) is not the local stack either.
          if (!Array.isArray(page?.items)) throw notLocal;
          return page.items as LocalEvent[];
        };
        const advance = (batch: readonly LocalEvent[]) => {
          const last = batch.at(-1);
          if (last !== undefined) lastId = idOf(last) ?? lastId;
        };
        const past = await fetchNew();
        advance(past);
        for (const e of o.lines === 0 ? [] : past.slice(-o.lines)) print(e);
        const { signal } = cli.io;
        while (o.follow && !signal?.aborted) {
          await pause(o.interval, signal);
          if (signal?.aborted) break;
          const fresh = await fetchNew();
          advance(fresh);
          for (const e of fresh) print(e);
        }
      }),
    ['events tail', 'events tail -n 0 --json | jq .detail', 'events tail --no-follow -n 50'],
  );
}
