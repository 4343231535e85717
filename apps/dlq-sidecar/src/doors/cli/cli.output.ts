import { EditReport } from '../../operations/edit';
import { ShownRecord } from '../../operations/read';
import { ApplyReport, PlanStatus, PlanSummary } from '../../operations/redrive';
import { terminalJson, terminalText } from '../../records/display-text';
import { AuditEntry, FailedOrderRecord, Page } from '../../records/record';
import { FailureGroup } from '../../records/records.store';

// Stored text is exactly what customers sent: it is made terminal-safe here, on the way out.
const safe = (value: string | null | undefined) => (value ? terminalText(value) : '-');
const at = (value: Date | null | undefined) => (value ? value.toISOString() : '-');
const columns = (names: string) => names.split('|');

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

export function list(page: Page<FailedOrderRecord>): string {
  const lines = [`${page.total} matching record${page.total === 1 ? '' : 's'}`];
  if (page.items.length > 0) {
    lines.push(
      '',
      table(
        columns('RECORD|STATE|CODE|ORDER ID|CLIENT|CUSTOMER|ATTEMPTS|LAST FAILURE|REASON'),
        page.items.map((record) => [
          record.id,
          record.state,
          record.failureCode,
          safe(record.orderId),
          safe(record.clientId),
          safe(record.customerId),
          String(record.attempts),
          at(record.lastFailedAt),
          safe(record.failureReason),
        ]),
      ),
    );
  }
  if (page.nextCursor) {
    lines.push(`(showing ${page.items.length}; next page: --cursor ${page.nextCursor})`);
  }
  return lines.join('\n');
}

export function groups(rows: FailureGroup[]): string {
  return rows.length === 0
    ? 'no matching records'
    : table(
        columns('CODE|COUNT|FIRST FAILURE|LAST FAILURE|OWNER|ON HOLD|NOTE|LATEST REASON'),
        rows.map((group) => [
          group.failureCode,
          String(group.count),
          at(group.firstFailedAt),
          at(group.lastFailedAt),
          safe(group.owner),
          group.onHold ? 'yes' : 'no',
          safe(group.note),
          safe(group.latestReason),
        ]),
      );
}

export function show(found: ShownRecord[]): string {
  return found
    .map(({ record, body, attempts, edits, audit }) =>
      [
        `record ${record.id}  ${record.state}  ${record.failureCode}  failed ${record.attempts} time${record.attempts === 1 ? '' : 's'}`,
        `order ${safe(record.orderId)}  client ${safe(record.clientId)}  customer ${safe(record.customerId)}`,
        `first failure ${at(record.firstFailedAt)}  last failure ${at(record.lastFailedAt)}  recorded ${at(record.recordedAt)}`,
        '',
        'body (sent by a redrive):',
        prettyBody(body),
        '',
        'attempts:',
        ...attempts.map((attempt, index) =>
          [
            `  ${index + 1}. ${at(attempt.lastFailedAt)}  ${attempt.failureCode}: ${safe(attempt.failureReason)}`,
            `     message ${safe(attempt.messageId)}  receives ${attempt.receiveCount}  sent ${at(attempt.sentAt)}  trace ${safe(attempt.traceId)}`,
            ...Object.entries(attempt.attributes).map(
              ([name, value]) =>
                `     ${terminalText(name)} = ${safe(value.StringValue ?? `(${value.DataType}, ${value.BinaryValue?.length ?? 0} base64 chars)`)}`,
            ),
          ].join('\n'),
        ),
        ...(edits.length > 0
          ? [
              '',
              'edits:',
              ...edits.map(
                (edit) =>
                  `  #${edit.id} ${at(edit.at)} by ${safe(edit.actor)}: ${terminalText(JSON.stringify(edit.diff))}`,
              ),
            ]
          : []),
        '',
        'audit:',
        ...audit.map(
          (entry) =>
            `  #${entry.id} ${at(entry.at)} ${entry.action} by ${safe(entry.actor)} (${entry.login} via ${entry.via})${entry.planId ? ` plan ${entry.planId}` : ''}`,
        ),
      ].join('\n'),
    )
    .join('\n\n---\n\n');
}

export function audit(entries: AuditEntry[]): string {
  return entries.length === 0
    ? 'no operator actions recorded'
    : table(
        columns('ID|AT|ACTION|BY|LOGIN|VIA|PLAN|RECORDS|DETAIL'),
        entries.map((entry) => [
          entry.id,
          at(entry.at),
          entry.action,
          safe(entry.actor),
          entry.login,
          entry.via,
          entry.planId ?? '-',
          String(entry.recordIds.length),
          terminalText(JSON.stringify(entry.detail)),
        ]),
        80,
      );
}

export function plan(summary: PlanSummary): string {
  const { plan: frozen, sample, withoutOrderId } = summary;
  return [
    `plan ${frozen.id}: ${frozen.total} record${frozen.total === 1 ? '' : 's'} (frozen: later failures are not in it)`,
    ...(withoutOrderId > 0
      ? [`${withoutOrderId} matching record(s) without an order id left out: edit or discard them`]
      : []),
    ...sample.map((record) => `  ${record.id}  ${record.failureCode}  ${safe(record.orderId)}`),
    ...(frozen.total > sample.length ? [`  … and ${frozen.total - sample.length} more`] : []),
    `apply: npm run dlq -- redrive --plan ${frozen.id} [--rate N]`,
  ].join('\n');
}

export function applied(report: ApplyReport): string {
  const paused = report.pausedReason
    ? ` (${report.pausedReason}; resume: npm run dlq -- redrive --plan ${report.planId})`
    : '';
  return `plan ${report.planId} ${report.status}${paused}: sent ${report.sent}, skipped ${report.skipped} of ${report.total}. Outcome per record: npm run dlq -- status ${report.planId}`;
}

export function planStatus(status: PlanStatus): string {
  const { plan: frozen, counts, items } = status;
  return [
    `plan ${frozen.id} ${frozen.state}${frozen.pausedReason ? ` (${frozen.pausedReason})` : ''}: ${frozen.total} records; stored ${counts.stored}, failed again ${counts.failed_again}, pending ${counts.pending}, not sent ${counts.not_sent}, skipped ${counts.skipped}`,
    ...(items.length > 0
      ? [
          '',
          table(
            columns('RECORD|ORDER ID|SENT|OUTCOME'),
            items.map((item) => [
              item.recordId,
              safe(item.orderId),
              at(item.sentAt),
              item.skipped ? `skipped: ${item.skipped}` : item.outcome,
            ]),
          ),
        ]
      : []),
  ].join('\n');
}

export function edit(report: EditReport): string {
  return [
    `record ${report.recordId}${report.editId ? `, edit #${report.editId}` : ' (dry run: nothing changed)'}`,
    'changes:',
    ...report.diff.map(
      (entry) =>
        `  ${entry.path}: ${terminalText(JSON.stringify(entry.before))} → ${terminalText(JSON.stringify(entry.after))}`,
    ),
    ...(report.retry ? [applied(report.retry)] : []),
  ].join('\n');
}

function prettyBody(body: string): string {
  try {
    return terminalJson(JSON.parse(body));
  } catch {
    return terminalText(body);
  }
}
