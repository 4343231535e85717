import { terminalJson, terminalText } from '../../dlq/display-text';
import { hasCriteria } from '../../dlq/dead-letter.filter';
import { DlqOperations } from '../../operations/dlq-operations';
import { editableOrder, editAndRetry } from '../../operations/edit';
import { list } from '../../operations/list';
import { purge } from '../../operations/purge';
import { redrive } from '../../operations/redrive';
import { RunProgress, RunReport } from '../../operations/run-loop';
import { OperationsErrorCode, OperationsException } from '../../operations/operations.exception';
import { show } from '../../operations/show';
import { answerOf, EXIT } from '../error-answers';
import { actorOf, filterOf, flagOf, limitOf, orderOf, rateOf } from '../request';
import { CliCommand } from './cli.command';
import {
  formatAudit,
  formatEdit,
  formatList,
  formatProgress,
  formatReport,
  formatShow,
} from './cli.output';

/** stdout carries results (pipe it), stderr progress and notes. */
export interface CliIo {
  out(text: string): void;
  note(text: string): void;
  /** A file's text; `-` is stdin. */
  read(path: string): Promise<string>;
}

export interface CliContext {
  actor: string;
  signal: AbortSignal;
  /** Progress lines at most this often. */
  progressIntervalMs?: number;
}

/** parse → one use case → format, and every error through the mapping both doors share. */
export class CliRunner {
  constructor(
    private readonly ops: DlqOperations,
    private readonly io: CliIo,
  ) {}

  async run(command: Exclude<CliCommand, { name: 'help' }>, context: CliContext): Promise<number> {
    try {
      return await this.execute(command, context);
    } catch (error) {
      const { exitCode, message, fields } = answerOf(error);
      this.io.note(terminalText(`error: ${message}`));
      fields?.forEach((field) =>
        this.io.note(terminalText(`  ${field.field}: ${field.problems.join('; ')}`)),
      );
      return exitCode;
    }
  }

  private async execute(
    { name, id, input, json }: Exclude<CliCommand, { name: 'help' }>,
    context: CliContext,
  ): Promise<number> {
    const print = (result: unknown, text: () => string) =>
      this.io.out(json ? terminalJson(result) : text());
    const change = {
      actor: actorOf(input) ?? context.actor,
      via: 'cli' as const,
      allowWithoutAudit: flagOf(input, 'allowNoAudit'),
      signal: context.signal,
      onProgress: this.progressPrinter(context),
    };
    switch (name) {
      case 'list': {
        const result = await list(this.ops, filterOf(input), limitOf(input, 50));
        print(result, () => formatList(result));
        return EXIT.ok;
      }
      case 'show': {
        const found = await show(this.ops, id);
        print(found, () => formatShow(found));
        return EXIT.ok;
      }
      case 'redrive': {
        const report = await redrive(this.ops, {
          filter: filterOf(input),
          dryRun: flagOf(input, 'dryRun'),
          ratePerSecond: rateOf(input),
          ...change,
        });
        return this.finish(report, json);
      }
      case 'edit': {
        if (input.file === undefined) {
          const editable = await editableOrder(this.ops, id);
          this.io.out(terminalJson(editable.order));
          this.io.note(
            `order ${terminalText(editable.orderId)} (dead letter ${editable.messageId}). Save this, correct it, then: npm run dlq -- edit ${editable.messageId} --file <file> [--dry-run]`,
          );
          return EXIT.ok;
        }
        const order = orderOf({ order: await this.io.read(String(input.file)) });
        const report = await editAndRetry(this.ops, {
          id,
          order,
          dryRun: flagOf(input, 'dryRun'),
          ...change,
        });
        if (!json) {
          this.io.out(formatEdit(report));
        }
        return this.finish(report, json);
      }
      case 'purge': {
        const filter = filterOf(input);
        if (!flagOf(input, 'confirm')) {
          return this.refusePurge(filter);
        }
        return this.finish(await purge(this.ops, { filter, confirm: true, ...change }), json);
      }
      case 'audit': {
        const records = await this.ops.auditTrail(limitOf(input, 20));
        print(records, () => formatAudit(records));
        return EXIT.ok;
      }
    }
  }

  /** Without --confirm a purge only shows what it would delete. */
  private async refusePurge(filter: ReturnType<typeof filterOf>): Promise<number> {
    if (!filter.all && !hasCriteria(filter)) {
      throw new OperationsException(
        OperationsErrorCode.FilterRequired,
        'purge needs --all or a filter (--reason, --order, --since, --until)',
      );
    }
    const result = await list(this.ops, filter, 20);
    this.io.out(formatList(result));
    this.io.note(
      `\nNothing was deleted. To delete these ${result.matched} dead letters for good, run the same command with --confirm.`,
    );
    return EXIT.usage;
  }

  private finish(report: RunReport, json: boolean): number {
    this.io.out(json ? terminalJson(report) : formatReport(report));
    switch (report.status) {
      case 'completed':
        return report.failed > 0 ? EXIT.failed : EXIT.ok;
      case 'interrupted':
        return EXIT.interrupted;
      case 'failed':
        return EXIT.failed;
    }
  }

  private progressPrinter(context: CliContext): (progress: RunProgress) => void {
    let last = 0;
    return (progress) => {
      if (Date.now() - last >= (context.progressIntervalMs ?? 1000)) {
        last = Date.now();
        this.io.note(formatProgress(progress));
      }
    };
  }
}
