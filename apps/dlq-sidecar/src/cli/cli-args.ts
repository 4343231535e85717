import { parseArgs } from 'node:util';
import { DeadLetterFilter, parsePointInTime } from '../dead-letters/dead-letter.filter';

export const USAGE = `Usage: npm run dlq -- <command> [options]
       (in a container: node dist/apps/dlq-sidecar/cli.js <command> [options])

Commands
  list                         Dead letters, grouped by reason, newest first
      [--reason CODE] [--order ID] [--since T] [--until T] [--limit N] [--json]
  show <messageId|orderId>     One dead letter: body, attributes, reason, receive count, age  [--json]
  redrive                      Send dead letters back to the orders queue (then delete them from the DLQ)
      --all | --reason CODE | --order ID | --since T | --until T   (filters combine)
      [--dry-run] [--rate N] [--actor NAME] [--allow-no-audit] [--json]
  purge                        Delete dead letters for good; same filters, needs --confirm
      --confirm [--actor NAME] [--allow-no-audit] [--json]
  audit                        Recent redrives and purges  [--limit N] [--json]
  help

  CODE  a failure code, e.g. INVALID_ENVELOPE, MALFORMED_JSON, or MOVED_BY_SQS (moved by SQS after maxReceiveCount)
  T     2026-01-31T12:00:00Z, or a time ago: 90s, 15m, 2h, 7d
  N     --rate: messages per second (at least 1; default: as fast as SQS allows)

Environment: ORDERS_QUEUE_URL, ORDERS_DLQ_URL, SQS_ENDPOINT, AWS_REGION, DATABASE_URL (the sidecar's).
Outside NODE_ENV=production, unset ones default to the local stack of \`npm start\`.
Exit codes: 0 done, 1 failed, 2 usage error or confirmation missing, 3 not found, 4 interrupted.`;

export type CliCommand =
  | { name: 'help' }
  | { name: 'list'; filter: DeadLetterFilter; limit: number; json: boolean }
  | { name: 'show'; id: string; json: boolean }
  | {
      name: 'redrive';
      filter: DeadLetterFilter;
      dryRun: boolean;
      rate?: number;
      actor?: string;
      allowNoAudit: boolean;
      json: boolean;
    }
  | {
      name: 'purge';
      filter: DeadLetterFilter;
      confirm: boolean;
      actor?: string;
      allowNoAudit: boolean;
      json: boolean;
    }
  | { name: 'audit'; limit: number; json: boolean };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const OPTIONS = {
  all: { type: 'boolean' },
  reason: { type: 'string' },
  code: { type: 'string' },
  order: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  'dry-run': { type: 'boolean' },
  rate: { type: 'string' },
  confirm: { type: 'boolean' },
  actor: { type: 'string' },
  'allow-no-audit': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

// Which options each command accepts; anything else is a mistake worth reporting.
const ALLOWED: Record<Exclude<CliCommand['name'], 'help'>, (keyof typeof OPTIONS)[]> = {
  list: ['reason', 'code', 'order', 'since', 'until', 'limit', 'json'],
  show: ['json'],
  redrive: [
    'all',
    'reason',
    'code',
    'order',
    'since',
    'until',
    'dry-run',
    'rate',
    'actor',
    'allow-no-audit',
    'json',
  ],
  purge: [
    'all',
    'reason',
    'code',
    'order',
    'since',
    'until',
    'confirm',
    'actor',
    'allow-no-audit',
    'json',
  ],
  audit: ['limit', 'json'],
};

export function parseCliArgs(argv: string[], now: Date = new Date()): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.help || name === undefined || name === 'help') {
    return { name: 'help' };
  }
  if (!(name in ALLOWED)) {
    throw new UsageError(`Unknown command "${name}"`);
  }
  const command = name as keyof typeof ALLOWED;
  const given = Object.keys(values).filter(
    (key) => values[key as keyof typeof values] !== undefined,
  ) as (keyof typeof OPTIONS)[];
  const misplaced = given.filter((key) => key !== 'help' && !ALLOWED[command].includes(key));
  if (misplaced.length > 0) {
    throw new UsageError(
      `${command} does not take ${misplaced.map((key) => `--${key}`).join(', ')}`,
    );
  }
  if (command !== 'show' && rest.length > 0) {
    throw new UsageError(`Unexpected argument "${rest[0]}"`);
  }
  const json = values.json ?? false;
  switch (command) {
    case 'list':
      return {
        name: 'list',
        filter: filterOf(values, now),
        limit: positive(values.limit, 'limit') ?? 50,
        json,
      };
    case 'show':
      if (rest.length !== 1) {
        throw new UsageError('show needs exactly one message id or order id');
      }
      return { name: 'show', id: rest[0], json };
    case 'redrive':
      return {
        name: 'redrive',
        filter: filterOf(values, now),
        dryRun: values['dry-run'] ?? false,
        rate: positive(values.rate, 'rate'),
        actor: values.actor,
        allowNoAudit: values['allow-no-audit'] ?? false,
        json,
      };
    case 'purge':
      return {
        name: 'purge',
        filter: filterOf(values, now),
        confirm: values.confirm ?? false,
        actor: values.actor,
        allowNoAudit: values['allow-no-audit'] ?? false,
        json,
      };
    case 'audit':
      return {
        name: 'audit',
        limit: positive(values.limit, 'limit') ?? 20,
        json,
      };
  }
}

function filterOf(
  values: {
    all?: boolean;
    reason?: string;
    code?: string;
    order?: string;
    since?: string;
    until?: string;
  },
  now: Date,
): DeadLetterFilter {
  if (values.reason !== undefined && values.code !== undefined && values.reason !== values.code) {
    throw new UsageError('--reason and --code are the same filter: give one');
  }
  const reason = values.reason ?? values.code;
  const filter: DeadLetterFilter = {
    all: values.all,
    reason: reason?.trim() || undefined,
    order: values.order?.trim() || undefined,
    since: time(values.since, 'since', now),
    until: time(values.until, 'until', now),
  };
  if (filter.since && filter.until && filter.since > filter.until) {
    throw new UsageError('--since is after --until');
  }
  return filter;
}

function time(value: string | undefined, option: string, now: Date): Date | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = parsePointInTime(value, now);
  if (!parsed) {
    throw new UsageError(
      `--${option} "${value}" is neither an ISO time (2026-01-31T12:00:00Z) nor a duration (15m, 2h, 7d)`,
    );
  }
  return parsed;
}

function positive(value: string | undefined, option: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new UsageError(`--${option} must be a whole number of at least 1`);
  }
  return parsed;
}
