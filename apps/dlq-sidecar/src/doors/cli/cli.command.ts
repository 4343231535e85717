import { parseArgs } from 'node:util';
import { invalid, RequestInput } from '../request';

export const USAGE = `Usage: npm run dlq -- <command> [options]
       (in a container: node cli.js <command> [options])

Commands
  list                         Dead letters, grouped by reason, newest first
      [--reason CODE] [--order ID] [--since T] [--until T] [--limit N] [--json]
  show <messageId|orderId>     One dead letter: body, attributes, reason, receive count, age, expiry  [--json]
  redrive                      Send dead letters back to the orders queue (then delete them from the DLQ)
      --all | --reason CODE | --order ID | --since T | --until T   (filters combine)
      [--dry-run] [--rate N] [--actor NAME] [--allow-no-audit] [--json]
  edit <messageId|orderId>     Without --file: print the letter's order (JSON) to correct.
      --file FILE|-            Validate the corrected order, send it under the same order id, audit before and after
      [--dry-run] [--actor NAME] [--allow-no-audit] [--json]
  purge                        Delete dead letters for good; same filters, needs --confirm
      --confirm [--actor NAME] [--allow-no-audit] [--json]
  audit                        Recent redrives, edits and purges  [--limit N] [--json]
  help

  CODE  a failure code, e.g. INVALID_ENVELOPE, MALFORMED_JSON, or MOVED_BY_SQS (moved by SQS after maxReceiveCount)
  T     2026-01-31T12:00:00Z, or a time ago: 90s, 15m, 2h, 7d
  N     --rate: messages per second (at least 1; default: as fast as SQS allows)

Environment: ORDERS_QUEUE_URL, ORDERS_DLQ_URL, SQS_ENDPOINT, AWS_REGION, DATABASE_URL (the sidecar's).
Outside NODE_ENV=production, unset ones default to the local stack of \`npm start\`.
Exit codes: 0 done, 1 failed, 2 usage error or confirmation missing, 3 not found, 4 interrupted.`;

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
  file: { type: 'string' },
  actor: { type: 'string' },
  'allow-no-audit': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Option = keyof typeof OPTIONS;
const FILTER: Option[] = ['all', 'reason', 'code', 'order', 'since', 'until'];
const CHANGE: Option[] = ['actor', 'allow-no-audit', 'json'];

// Which options each command accepts, and whether it takes an id; anything else is a mistake worth reporting.
const COMMANDS = {
  list: { options: ['reason', 'code', 'order', 'since', 'until', 'limit', 'json'], id: false },
  show: { options: ['json'], id: true },
  redrive: { options: [...FILTER, 'dry-run', 'rate', ...CHANGE], id: false },
  edit: { options: ['file', 'dry-run', ...CHANGE], id: true },
  purge: { options: [...FILTER, 'confirm', ...CHANGE], id: false },
  audit: { options: ['limit', 'json'], id: false },
} satisfies Record<string, { options: Option[]; id: boolean }>;

export type CommandName = keyof typeof COMMANDS;

export type CliCommand =
  | { name: 'help' }
  | { name: CommandName; id: string; input: RequestInput; json: boolean };

/** argv → a command and its options by name (camelCased); their values are read by doors/request.ts. */
export function parseCommand(argv: string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.help || name === undefined || name === 'help') {
    return { name: 'help' };
  }
  if (!(name in COMMANDS)) {
    throw invalid(`Unknown command "${name}"`);
  }
  const command = COMMANDS[name as CommandName];
  const given = (Object.keys(values) as Option[]).filter((key) => values[key] !== undefined);
  const misplaced = given.filter((key) => !(command.options as Option[]).includes(key));
  if (misplaced.length > 0) {
    throw invalid(`${name} does not take ${misplaced.map((key) => `--${key}`).join(', ')}`);
  }
  if (rest.length !== (command.id ? 1 : 0)) {
    throw invalid(
      command.id
        ? `${name} needs exactly one message id or order id`
        : `Unexpected argument "${rest[0]}"`,
    );
  }
  const input = Object.fromEntries(
    given.map((key) => [
      key.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase()),
      values[key],
    ]),
  );
  return { name: name as CommandName, id: rest[0] ?? '', input, json: values.json ?? false };
}
