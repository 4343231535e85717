import { failedAt } from '../../dlq/dead-letter';
import { terminalJson, terminalText } from '../../dlq/display-text';
import { AuditRecord } from '../../operations/audit.log';
import { EditReport } from '../../operations/edit';
import { ListResult } from '../../operations/list';
import { RunProgress, RunReport } from '../../operations/run-loop';
import { ShownDeadLetter } from '../../operations/show';

// Letter fields are terminal-safe from parsing on (dlq/dead-letter.ts); raw bodies and attributes are made so here.

/** Plain-text tables: columns padded to the widest cell, long cells cut. */
export function table(header: string[], rows: string[][], maxCell = 60): string {
  const cells = [header, ...rows].map((row) =>
    row.map((cell) => (cell.length > maxCell ? `${cell.slice(0, maxCell - 1)}…` : cell)),
  );
  const widths = header.map((_, column) =>
    Math.max(...cells.map((row) => row[column]?.length ?? 0)),
  );
  return cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
        .join('  '),
    )
    .join('\n');
}

export function formatAge(seconds: number): string {
  const sign = seconds < 0 ? '-' : '';
  const abs = Math.abs(seconds);
  if (abs < 120) {
    return `${sign}${Math.round(abs)}s`;
  }
  if (abs < 7200) {
    return `${sign}${Math.round(abs / 60)}m`;
  }
  if (abs < 172_800) {
    return `${sign}${Math.round(abs / 3600)}h`;
  }
  return `${sign}${Math.round(abs / 86_400)}d`;
}

export function formatList(result: ListResult, now: Date = new Date()): string {
  const lines = [
    `${result.dlqName}: ${result.matched} matching dead letter${result.matched === 1 ? '' : 's'} of ${result.examined} examined`,
  ];
  if (result.leftHidden) {
    lines.push(
      'note: another reader (a redrive, or a run killed moments ago) still hides some dead letters; they are not in this list, run again shortly',
    );
  }
  if (result.matched === 0) {
    return lines.join('\n');
  }
  const expiresIn = (sentAt: Date) =>
    result.retentionSeconds === undefined
      ? '-'
      : formatAge(result.retentionSeconds - (now.getTime() - sentAt.getTime()) / 1000);
  lines.push(
    '',
    table(
      ['REASON', 'COUNT', 'FIRST FAILURE', 'LAST FAILURE', 'LATEST MESSAGE'],
      result.groups.map((group) => [
        group.reason,
        String(group.count),
        group.firstFailureAt.toISOString(),
        group.lastFailureAt.toISOString(),
        group.latestMessage,
      ]),
    ),
    '',
    table(
      [
        'MESSAGE ID',
        'ORDER ID',
        'CLIENT',
        'CUSTOMER',
        'REASON',
        'ATTEMPTS',
        'FAILED AT',
        'AGE',
        'EXPIRES IN',
      ],
      result.letters.map((letter) => [
        letter.messageId,
        letter.orderId ?? '-',
        letter.clientId ?? '-',
        letter.customerId ?? '-',
        letter.groupKey,
        letter.attempts === undefined ? '-' : String(letter.attempts),
        failedAt(letter).toISOString(),
        formatAge((now.getTime() - letter.sentAt.getTime()) / 1000),
        expiresIn(letter.sentAt),
      ]),
    ),
  );
  if (result.letters.length < result.matched) {
    lines.push(`(showing the newest ${result.letters.length} of ${result.matched}; use --limit)`);
  }
  return lines.join('\n');
}

export function formatShow(found: ShownDeadLetter[]): string {
  return found
    .map(({ letter, body, attributes, systemAttributes, ageSeconds, expiresAt }) => {
      const facts: [string, string][] = [
        ['message id', letter.messageId],
        ['order id', letter.orderId ?? '-'],
        ['client', letter.clientId ?? '- (not recorded in this letter)'],
        ['customer', letter.customerId ?? '-'],
        ['reason', `${letter.groupKey}: ${letter.reason}`],
        ['failure class', letter.failureClass ?? '-'],
        ['attempts', letter.attempts === undefined ? '-' : String(letter.attempts)],
        ['first failure', letter.firstFailureAt.toISOString()],
        ['last failure', letter.lastFailureAt?.toISOString() ?? '- (moved by SQS)'],
        ['failed by', letter.failedBy ?? '-'],
        ['correlation id', letter.correlationId ?? '-'],
        [
          'receive count',
          `${letter.receiveCount} (on the DLQ, this look included: every scan counts as a receive)`,
        ],
        [
          'in DLQ since',
          `${letter.sentAt.toISOString()} (${formatAge(ageSeconds)} ago, SentTimestamp)`,
        ],
        [
          'expires',
          expiresAt
            ? `${expiresAt.toISOString()} (in ${formatAge((expiresAt.getTime() - Date.now()) / 1000)}: SQS deletes it then)`
            : '- (retention unknown)',
        ],
      ];
      const width = Math.max(...facts.map(([name]) => name.length));
      return [
        ...facts.map(([name, value]) => `${name.padEnd(width)}  ${value}`),
        '',
        'message attributes:',
        ...Object.entries(attributes).map(
          ([name, value]) => `  ${terminalText(name)} = ${terminalText(value)}`,
        ),
        'system attributes:',
        ...Object.entries(systemAttributes).map(
          ([name, value]) => `  ${name} = ${terminalText(value)}`,
        ),
        '',
        'body:',
        prettyBody(body),
      ].join('\n');
    })
    .join('\n\n---\n\n');
}

function prettyBody(body: string): string {
  try {
    return terminalJson(JSON.parse(body));
  } catch {
    return terminalText(body);
  }
}

const VERBS: Record<RunProgress['action'], [done: string, wouldDo: string]> = {
  redrive: ['moved', 'would move'],
  edit: ['sent corrected', 'would send corrected'],
  purge: ['deleted', 'would delete'],
};

export function formatProgress(progress: RunProgress): string {
  const parts = [
    `${progress.action}${progress.dryRun ? ' (dry run)' : ''}:`,
    `examined ${progress.examined}/~${progress.dlqDepthAtStart}`,
    `matched ${progress.matched}`,
    progress.dryRun
      ? `${VERBS[progress.action][1]} ${progress.matched}`
      : `${VERBS[progress.action][0]} ${progress.succeeded}`,
  ];
  if (progress.failed > 0) {
    parts.push(`failed ${progress.failed}`);
  }
  if (!progress.dryRun) {
    parts.push(`${progress.rate.toFixed(1)} msg/s`);
  }
  if (progress.waitingSeconds) {
    parts.push(`waiting up to ${progress.waitingSeconds}s for letters another run still hides`);
  }
  return parts.join('  ');
}

export function formatReport(report: RunReport): string {
  const lines = [
    `${formatProgress(report)}  ${(report.elapsedMs / 1000).toFixed(1)}s  → ${report.status}`,
  ];
  if (report.auditId) {
    lines.push(`audit record #${report.auditId}`);
  } else if (!report.dryRun) {
    lines.push('audit: log line only (database unavailable)');
  }
  if (report.dryRun && report.matched > 0) {
    lines.push(
      `orders: ${report.orderIds.slice(0, 20).join(', ')}${report.orderIds.length > 20 ? `, … (${report.orderIds.length} in all)` : ''}`,
    );
  }
  if (report.notDeleted > 0) {
    lines.push(
      `warning: ${report.notDeleted} were sent but could not be deleted from the DLQ; a later redrive sends them again (the processor stores an order once)`,
    );
  }
  if (report.leftHidden) {
    lines.push(
      'note: another reader still hid some dead letters when this run ended; they were not examined, run again to include them',
    );
  }
  if (report.status === 'interrupted') {
    lines.push(
      'interrupted: what was not moved is still in the DLQ; run the same command again to continue',
    );
  }
  if (report.error) {
    lines.push(terminalText(`error: ${report.error}`));
  }
  return lines.join('\n');
}

export function formatEdit(report: EditReport): string {
  return ['before:', terminalJson(report.before), 'after:', terminalJson(report.after)].join('\n');
}

export function formatAudit(records: AuditRecord[]): string {
  if (records.length === 0) {
    return 'no redrives, edits or purges recorded';
  }
  return table(
    [
      'ID',
      'STARTED',
      'ACTION',
      'STATUS',
      'BY',
      'VIA',
      'FILTER',
      'EXAMINED',
      'MATCHED',
      'DONE',
      'FAILED',
    ],
    records.map((record) => [
      record.id,
      record.startedAt.toISOString(),
      record.action,
      // A run killed without a trace stays "running": its updated_at tells how long ago it last moved.
      record.status === 'running'
        ? `running (last update ${record.updatedAt.toISOString()})`
        : record.status,
      terminalText(record.actor),
      record.via,
      terminalText(
        Object.entries(record.filter)
          .map(([key, value]) => (value === true ? `--${key}` : `--${key} ${String(value)}`))
          .join(' '),
      ),
      String(record.examined),
      String(record.matched),
      String(record.succeeded),
      String(record.failed),
    ]),
    80,
  );
}
