import { readFileSync } from 'node:fs';
import { Actor } from '../../operations/operations.exception';
import { ApplyReport } from '../../operations/redrive';
import { terminalJson, terminalText } from '../../records/display-text';
import { DoorRequests } from '../door-requests';
import { answerOf, EXIT } from '../error-answers';
import { changeFilterOf, flagOf, invalid, RequestInput, text } from '../request';
import { CliCommand } from './cli.command';
import * as format from './cli.output';

// stdout carries results (pipe it), stderr progress and notes.
export const out = (line: string) => process.stdout.write(`${line}\n`);
export const note = (line: string) => process.stderr.write(`${line}\n`);

type Command = Exclude<CliCommand, { name: 'help' }>;
type Context = { actor: string; signal: AbortSignal };

/** An error as JSON on stdout, or in words on stderr (the usage after it, when given); its exit code. */
export function fail(error: unknown, json: boolean, usage?: string): number {
  const { exitCode, code, message, fields } = answerOf(error);
  if (json) {
    out(terminalJson({ error: { code, message, fields } }));
  } else {
    note(`${terminalText(`error: ${message}`)}${usage ? `\n\n${usage}` : ''}`);
    fields?.forEach((field) =>
      note(terminalText(`  ${field.field}: ${field.problems.join('; ')}`)),
    );
  }
  return exitCode;
}

/** options → one use case (as the admin API calls it) → the result printed; errors by answerOf. */
export async function runCommand(
  doors: DoorRequests,
  command: Command,
  context: Context,
): Promise<number> {
  try {
    return await execute(doors, command, context);
  } catch (error) {
    return fail(error, command.json);
  }
}

async function execute(
  doors: DoorRequests,
  { name, id, input, json }: Command,
  context: Context,
): Promise<number> {
  const print = <T>(result: T, asText: (result: T) => string) => {
    out(json ? terminalJson(result) : asText(result));
    return EXIT.ok;
  };
  const by: Actor = { actor: text(input, 'actor')?.slice(0, 100) ?? context.actor, via: 'cli' };
  switch (name) {
    case 'list':
      return print(await doors.list(input), format.list);
    case 'groups':
      return print(await doors.groups(input), format.groups);
    case 'show':
      return print(await doors.read.show(id), format.show);
    case 'audit':
      return print(await doors.audit(input), format.audit);
    case 'status':
      return print(await doors.status(id, input), format.planStatus);
    case 'cancel':
      return print(await doors.redrive.cancel(id, by), (plan) => `plan ${plan.id} cancelled`);
    case 'redrive':
      return redrive(doors, input, by, json, context.signal);
    case 'edit': {
      if (input.file === undefined) {
        const editable = await doors.editing.editable(id);
        out(terminalJson(json ? editable : editable.order));
        note(
          `record ${editable.recordId}: save this, correct it, then: npm run dlq -- edit ${editable.recordId} --file <file> [--dry-run]`,
        );
        return EXIT.ok;
      }
      const file = String(input.file);
      const order = readFileSync(file === '-' ? 0 : file, 'utf8');
      const report = await doors.edit(id, { ...input, order }, by);
      print(report, format.edit);
      return report.retry ? exitOf(report.retry) : EXIT.ok;
    }
    case 'discard':
    case 'purge':
      return print(
        await doors.discard(input, by, name),
        (result) =>
          `discarded ${result.discarded.length} record(s); restore with: npm run dlq -- restore --ids ${result.discarded.slice(0, 20).join(',')}`,
      );
    case 'restore':
      return print(
        await doors.restore(input, by),
        (result) => `restored ${result.restored.length} record(s)`,
      );
    case 'triage': {
      if (flagOf(input, 'hold') && flagOf(input, 'unhold')) {
        throw invalid('--hold and --unhold contradict each other');
      }
      const onHold = input.hold ? true : input.unhold ? false : undefined;
      const triaged = await doors.triage(id, { ...input, onHold }, by);
      return print(triaged, () => `triage of ${triaged.failureCode} updated`);
    }
  }
}

async function redrive(
  doors: DoorRequests,
  input: RequestInput,
  by: Actor,
  json: boolean,
  signal: AbortSignal,
): Promise<number> {
  let planId = text(input, 'plan');
  // Checked before a plan is made: a bad rate must not leave a plan behind.
  const options = doors.applyOptions(input);
  if (planId === undefined) {
    const summary = await doors.plan(changeFilterOf(input, 'redrive'), by);
    if (flagOf(input, 'dryRun')) {
      out(json ? terminalJson(summary) : format.plan(summary));
      return EXIT.ok;
    }
    note(format.plan(summary));
    planId = summary.plan.id;
  }
  let last = 0;
  const report = await doors.redrive.apply(planId, by, {
    ...options,
    signal,
    onProgress: (progress) => {
      if (Date.now() - last >= 1000) {
        last = Date.now();
        note(
          `redrive ${planId}: sent ${progress.sent}, skipped ${progress.skipped} of ${progress.total}`,
        );
      }
    },
  });
  out(json ? terminalJson(report) : format.applied(report));
  return exitOf(report);
}

function exitOf(report: ApplyReport): number {
  return report.status === 'interrupted'
    ? EXIT.interrupted
    : report.status === 'paused'
      ? EXIT.paused
      : EXIT.ok;
}
