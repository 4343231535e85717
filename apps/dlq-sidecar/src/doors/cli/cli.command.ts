import { parseArgs, ParseArgsOptionsConfig } from 'node:util';
import { FILTER_FIELDS, invalid, RequestInput } from '../request';

export const USAGE = `Usage: npm run dlq -- <command> [options]
       (in a container: node cli.js <command> [options])

Failed orders live in PostgreSQL as records; the sidecar drains the DLQ into them.

Reading
  list                      Records, newest failure first, with the exact count
      [FILTER] [--limit N] [--cursor C]
  groups                    Records per failure code, with owner, note, on hold  [FILTER]
  show <id>                 One record in full: body, attributes, every attempt, edits, audit
                            (id: record id, order id or SQS message id)
  audit                     Recent operator actions  [--limit N]
Changing (each audited; --actor NAME names you, the door and the database login are recorded too)
  redrive                   Send records back to the orders queue
      FILTER | --ids 1,2 | --all   [--dry-run: plan only]  [--rate N]
  redrive --plan ID         Apply (or resume) a plan made with --dry-run  [--rate N]
      [--staged]            Staged: REDRIVE_STAGES (1,10): one order, then ten, then the rest,
      [--stages 1,10]       waiting for each stage's outcomes; pauses when any fails again
                            (exit 5; --plan ID resumes with the next stage, cancel stops it)
  status <planId>           A plan's progress and the outcome per record  [--limit N]
  cancel <planId>           Stop a plan (between two chunks)
  edit <id>                 Without --file: print the record's order to correct
      --file FILE|-         Validate the corrected order, keep the edit, retry it  [--dry-run]
  discard                   Soft: restorable (DISCARD_RESTORE_DAYS). Alias: purge
      FILTER | --ids 1,2 | --all   [--count N: required for more than one record]
  restore                   Discarded records back to what they were  FILTER | --ids 1,2
  triage <CODE>             [--owner NAME] [--note TEXT] [--hold | --unhold]
  help

  FILTER  --code CODE (alias --reason) --client ID --customer ID --order ID --since T --until T
          --text TEXT (in the body) --state failed,retry_requested,resolved,discarded|all
          (default: failed and retry_requested)
  T       2026-01-31T12:00:00Z, or a time ago: 90s, 15m, 2h, 7d
  --json  results, and errors, as JSON on stdout (every command)

Environment: ORDERS_QUEUE_URL, ORDERS_DLQ_URL, SQS_ENDPOINT, AWS_REGION, DATABASE_URL (the sidecar's).
Outside NODE_ENV=production, unset ones default to the local stack of \`npm start\`.
Exit codes: 0 done, 1 failed, 2 usage error or confirmation missing, 3 not found, 4 interrupted,
5 a staged redrive paused.`;

const FILTER = ['reason', ...FILTER_FIELDS];
const SELECT = [...FILTER, 'ids', 'all'];

// Which options each command accepts, and whether it takes an id; anything else is a mistake worth reporting.
const COMMANDS = {
  list: { options: [...FILTER, 'limit', 'cursor'], id: false },
  groups: { options: FILTER, id: false },
  show: { options: [], id: true },
  audit: { options: ['limit'], id: false },
  redrive: {
    options: [...SELECT, 'dry-run', 'plan', 'rate', 'staged', 'stages', 'actor'],
    id: false,
  },
  status: { options: ['limit'], id: true },
  cancel: { options: ['actor'], id: true },
  edit: { options: ['file', 'dry-run', 'actor'], id: true },
  discard: { options: [...SELECT, 'count', 'actor'], id: false },
  purge: { options: [...SELECT, 'count', 'actor'], id: false },
  restore: { options: [...SELECT, 'actor'], id: false },
  triage: { options: ['owner', 'note', 'hold', 'unhold', 'actor'], id: true },
} satisfies Record<string, { options: string[]; id: boolean }>;

// Every option takes a value but these switches.
const SWITCHES = ['all', 'dry-run', 'staged', 'hold', 'unhold', 'json'];
const OPTIONS: ParseArgsOptionsConfig = {
  ...Object.fromEntries(
    [...Object.values(COMMANDS).flatMap((command) => command.options), 'json'].map((name) => [
      name,
      { type: SWITCHES.includes(name) ? 'boolean' : 'string' },
    ]),
  ),
  help: { type: 'boolean', short: 'h' },
};

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
  const given = Object.keys(values).filter((key) => values[key] !== undefined && key !== 'json');
  const misplaced = given.filter((key) => !(command.options as string[]).includes(key));
  if (misplaced.length > 0) {
    throw invalid(`${name} does not take ${misplaced.map((key) => `--${key}`).join(', ')}`);
  }
  if (rest.length !== (command.id ? 1 : 0)) {
    throw invalid(command.id ? `${name} needs exactly one id` : `Unexpected argument "${rest[0]}"`);
  }
  const input = Object.fromEntries(
    given.map((key) => [
      key.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase()),
      values[key],
    ]),
  );
  return { name: name as CommandName, id: rest[0] ?? '', input, json: values.json === true };
}

/** Whether the arguments ask for JSON, even when they cannot be parsed (errors are JSON then too). */
export function wantsJson(argv: string[]): boolean {
  return argv.includes('--json');
}
