import { Discard } from '../../operations/discard';
import { EditAndRetry } from '../../operations/edit';
import { Actor } from '../../operations/operations.exception';
import { ReadRecords } from '../../operations/read';
import { ApplyReport, Redrive } from '../../operations/redrive';
import { Triage } from '../../operations/triage';
import { terminalJson, terminalText } from '../../records/display-text';
import { answerOf, EXIT } from '../error-answers';
import {
  actorOf,
  changeFilterOf,
  countOf,
  cursorOf,
  described,
  filterOf,
  flagOf,
  invalid,
  limitOf,
  orderOf,
  rateOf,
  stagesOf,
  text,
} from '../request';
import { CliCommand } from './cli.command';
import * as format from './cli.output';

/** stdout carries results (pipe it), stderr progress and notes. */
export interface CliIo {
  out(text: string): void;
  note(text: string): void;
  /** A file's text; `-` is stdin. */
  read(path: string): Promise<string>;
}

export interface CliUseCases {
  read: ReadRecords;
  redrive: Redrive;
  edit: EditAndRetry;
  discard: Discard;
  triage: Triage;
}

type Command = Exclude<CliCommand, { name: 'help' }>;

/** parse → one use case → format, and every error through the mapping both doors share. */
export class CliRunner {
  constructor(
    private readonly use: CliUseCases,
    private readonly io: CliIo,
  ) {}

  async run(command: Command, context: { actor: string; signal: AbortSignal }): Promise<number> {
    try {
      return await this.execute(command, context);
    } catch (error) {
      const { exitCode, code, message, fields } = answerOf(error);
      if (command.json) {
        this.io.out(terminalJson({ error: { code, message, fields } }));
      } else {
        this.io.note(terminalText(`error: ${message}`));
        fields?.forEach((field) =>
          this.io.note(terminalText(`  ${field.field}: ${field.problems.join('; ')}`)),
        );
      }
      return exitCode;
    }
  }

  private async execute(
    { name, id, input, json }: Command,
    context: { actor: string; signal: AbortSignal },
  ): Promise<number> {
    const print = <T>(result: T, asText: (result: T) => string) =>
      this.io.out(json ? terminalJson(result) : asText(result));
    const by: Actor = { actor: actorOf(input) ?? context.actor, via: 'cli' };
    switch (name) {
      case 'list':
        print(
          await this.use.read.list(filterOf(input), limitOf(input, 50), cursorOf(input)),
          format.list,
        );
        return EXIT.ok;
      case 'groups':
        print(await this.use.read.groups(filterOf(input)), format.groups);
        return EXIT.ok;
      case 'show':
        print(await this.use.read.show(id), format.show);
        return EXIT.ok;
      case 'audit':
        print(await this.use.read.trail(limitOf(input, 20)), format.audit);
        return EXIT.ok;
      case 'status':
        print(await this.use.redrive.status(id, limitOf(input, 50)), format.planStatus);
        return EXIT.ok;
      case 'cancel':
        print(await this.use.redrive.cancel(id, by), (plan) => `plan ${plan.id} cancelled`);
        return EXIT.ok;
      case 'redrive':
        return this.redrive(input, by, json, context.signal);
      case 'edit': {
        if (input.file === undefined) {
          const editable = await this.use.edit.editable(id);
          this.io.out(terminalJson(json ? editable : editable.order));
          this.io.note(
            `record ${editable.recordId}: save this, correct it, then: npm run dlq -- edit ${editable.recordId} --file <file> [--dry-run]`,
          );
          return EXIT.ok;
        }
        const order = orderOf({ order: await this.io.read(String(input.file)) });
        const report = await this.use.edit.apply(id, order, flagOf(input, 'dryRun'), by);
        print(report, format.edit);
        return report.retry ? this.exitOf(report.retry) : EXIT.ok;
      }
      case 'discard':
      case 'purge':
        print(
          await this.use.discard.discard(changeFilterOf(input, name), countOf(input), by),
          (result) =>
            `discarded ${result.discarded.length} record(s); restore with: npm run dlq -- restore --ids ${result.discarded.slice(0, 20).join(',')}`,
        );
        return EXIT.ok;
      case 'restore':
        print(
          await this.use.discard.restore(changeFilterOf(input, name), by),
          (result) => `restored ${result.restored.length} record(s)`,
        );
        return EXIT.ok;
      case 'triage': {
        if (flagOf(input, 'hold') && flagOf(input, 'unhold')) {
          throw invalid('--hold and --unhold contradict each other');
        }
        const onHold = flagOf(input, 'hold') ? true : flagOf(input, 'unhold') ? false : undefined;
        const triaged = await this.use.triage.set(
          id.toUpperCase(),
          { owner: text(input, 'owner'), note: text(input, 'note', 2000), onHold },
          by,
        );
        print(triaged, () => `triage of ${triaged.failureCode} updated`);
        return EXIT.ok;
      }
    }
  }

  private async redrive(
    input: Record<string, unknown>,
    by: Actor,
    json: boolean,
    signal: AbortSignal,
  ): Promise<number> {
    let planId = text(input, 'plan');
    if (planId === undefined) {
      const filter = changeFilterOf(input, 'redrive');
      const summary = await this.use.redrive.plan(filter, described(filter), by);
      if (flagOf(input, 'dryRun')) {
        this.io.out(json ? terminalJson(summary) : format.plan(summary));
        return EXIT.ok;
      }
      this.io.note(format.plan(summary));
      planId = summary.plan.id;
    }
    let last = 0;
    const report = await this.use.redrive.apply(planId, by, {
      ratePerSecond: rateOf(input),
      stages: stagesOf(input, this.use.redrive.configuredStages),
      signal,
      onProgress: (progress) => {
        if (Date.now() - last >= 1000) {
          last = Date.now();
          this.io.note(
            `redrive ${planId}: sent ${progress.sent}, skipped ${progress.skipped} of ${progress.total}`,
          );
        }
      },
    });
    this.io.out(json ? terminalJson(report) : format.applied(report));
    return this.exitOf(report);
  }

  private exitOf(report: ApplyReport): number {
    return report.status === 'interrupted'
      ? EXIT.interrupted
      : report.status === 'paused'
        ? EXIT.paused
        : EXIT.ok;
  }
}
