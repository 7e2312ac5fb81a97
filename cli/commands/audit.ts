import type { Command } from 'commander';
import type { AuditEntriesView } from '../../shared/http/audit-views.js';
import type { Cli } from '../context.js';
import { table, time } from '../format.js';
import { parseCount, parseTime } from '../parse.js';
import { examples } from './help.js';

/** A time for the audit log, which looks back: a duration is that long ago (`7d`), else as parseTime. */
function parsePast(text: string): number {
  const now = Date.now();
  const ahead = parseTime(text, now);
  return /^\d+[mhdw]$/.test(text) ? now - (ahead - now) : ahead;
}

/** Who acted, for the table: the member's e-mail, the token's name, or the system. */
function actor(entry: AuditEntriesView['items'][number]): string {
  if (entry.member?.email !== undefined)
    return entry.token !== undefined ? `${entry.member.email} (${entry.token.name})` : entry.member.email;
  if (entry.token !== undefined) return `token ${entry.token.name}`;
  return entry._actor;
}

export function registerAudit(program: Command, cli: Cli): void {
  const audit = program
    .command('audit')
    .description('The audit log: who changed which token, member or role, when, from where (admins)');

  examples(
    audit
      .command('list')
      .description('List audit log entries, newest first')
      .option('--q <text>', 'only entries whose name, description, actor or resource contain this')
      .option('--limit <n>', 'at most this many (1 to 20, as the API allows)', parseCount, 20)
      .option(
        '--before <time>',
        'only entries before this time (7d = 7 days ago, an ISO date, epoch ms)',
        parsePast,
      )
      .option(
        '--after <time>',
        'only entries after this time (7d = 7 days ago, an ISO date, epoch ms)',
        parsePast,
      )
      .action(
        async (options: { q?: string; limit: number; before?: number; after?: number }, command: Command) => {
          const page = await cli.client(command).request<AuditEntriesView>('GET', '/auditlog', {
            query: { q: options.q, limit: options.limit, before: options.before, after: options.after },
          });
          cli.emit(command, page, () =>
            page.items.length === 0
              ? 'No audit log entries.'
              : table(
                  ['DATE', 'ACTOR', 'WHAT', 'NAME', 'FROM'],
                  page.items.map((e) => [
                    time(e.date),
                    actor(e),
                    e.shortDescription,
                    e.name,
                    [e._sourceAddress, e._userAgent].filter((p) => p !== undefined).join(' '),
                  ]),
                ) +
                (page._links.next !== undefined
                  ? `\nMore: --before ${new URL(page._links.next.href, 'http://x').searchParams.get('before')}`
                  : ''),
          );
        },
      ),
    ['audit list', 'audit list --q ci-token --limit 5', 'audit list --after 7d --json'],
  );
}
