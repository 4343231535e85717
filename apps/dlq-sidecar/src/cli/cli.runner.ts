import { DlqOperationsService, RunProgress, RunReport } from '../operations/dlq-operations.service';
import { hasCriteria } from '../dead-letters/dead-letter.filter';
import { OperationsErrorCode, OperationsException } from '../operations/operations.exception';
import { CliCommand, USAGE } from './cli-args';
import { formatAudit, formatList, formatProgress, formatReport, formatShow } from './cli.output';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  interrupted: 4,
} as const;

/** stdout carries results (pipe it), stderr progress and notes. */
export interface CliIo {
  out(text: string): void;
  note(text: string): void;
}

export interface CliContext {
  actor: string;
  signal: AbortSignal;
  /** Progress lines at most this often. */
  progressIntervalMs?: number;
}

export class CliRunner {
  constructor(
    private readonly operations: DlqOperationsService,
    private readonly io: CliIo,
  ) {}

  async run(command: CliCommand, context: CliContext): Promise<number> {
    try {
      return await this.execute(command, context);
    } catch (error) {
      return this.fail(error);
    }
  }

  private async execute(command: CliCommand, context: CliContext): Promise<number> {
    switch (command.name) {
      case 'help':
        this.io.out(USAGE);
        return EXIT.ok;
      case 'list': {
        const result = await this.operations.list(command.filter, command.limit);
        this.io.out(command.json ? JSON.stringify(result, null, 2) : formatList(result));
        return EXIT.ok;
      }
      case 'show': {
        const found = await this.operations.show(command.id);
        this.io.out(command.json ? JSON.stringify(found, null, 2) : formatShow(found));
        return EXIT.ok;
      }
      case 'redrive': {
        const report = await this.operations.redrive({
          filter: command.filter,
          dryRun: command.dryRun,
          ratePerSecond: command.rate,
          actor: command.actor ?? context.actor,
          via: 'cli',
          allowWithoutAudit: command.allowNoAudit,
          signal: context.signal,
          onProgress: this.progressPrinter(context),
        });
        return this.finish(report, command.json);
      }
      case 'purge': {
        if (!command.confirm) {
          return this.refusePurge(command);
        }
        const report = await this.operations.purge({
          filter: command.filter,
          confirm: true,
          actor: command.actor ?? context.actor,
          via: 'cli',
          allowWithoutAudit: command.allowNoAudit,
          signal: context.signal,
          onProgress: this.progressPrinter(context),
        });
        return this.finish(report, command.json);
      }
      case 'audit': {
        const records = await this.operations.auditTrail(command.limit);
        this.io.out(command.json ? JSON.stringify(records, null, 2) : formatAudit(records));
        return EXIT.ok;
      }
    }
  }

  /** Without --confirm a purge only shows what it would delete. */
  private async refusePurge(command: Extract<CliCommand, { name: 'purge' }>): Promise<number> {
    if (!command.filter.all && !hasCriteria(command.filter)) {
      throw new OperationsException(
        OperationsErrorCode.FilterRequired,
        'purge needs --all or a filter (--reason, --order, --since, --until)',
      );
    }
    const result = await this.operations.list(command.filter, 20);
    this.io.out(formatList(result));
    this.io.note(
      `\nNothing was deleted. To delete these ${result.matched} dead letters for good, run the same command with --confirm.`,
    );
    return EXIT.usage;
  }

  private finish(report: RunReport, json: boolean): number {
    this.io.out(json ? JSON.stringify(report, null, 2) : formatReport(report));
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

  /** The one place where CLI errors become messages and exit codes. */
  private fail(error: unknown): number {
    if (!(error instanceof OperationsException)) {
      this.io.note(`error: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT.failed;
    }
    this.io.note(`error: ${error.message}`);
    switch (error.code) {
      case OperationsErrorCode.FilterRequired:
      case OperationsErrorCode.InvalidFilter:
      case OperationsErrorCode.ConfirmationRequired:
        return EXIT.usage;
      case OperationsErrorCode.NotFound:
        return EXIT.notFound;
      case OperationsErrorCode.AuditUnavailable:
      case OperationsErrorCode.QueueUnavailable:
        return EXIT.failed;
    }
  }
}
