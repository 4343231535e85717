import { DlqOperations } from './dlq-operations';
import { OperationsErrorCode, OperationsException } from './operations.exception';
import { RunReport, RunRequest, runOnLetters } from './run-loop';

/** Deletes the chosen dead letters for good; only with an explicit confirmation. */
export function purge(
  ops: DlqOperations,
  request: RunRequest & { confirm: boolean },
): Promise<RunReport> {
  if (!request.confirm) {
    throw new OperationsException(
      OperationsErrorCode.ConfirmationRequired,
      'purge deletes dead letters for good: confirm it explicitly',
    );
  }
  return runOnLetters(ops, 'purge', { ...request, dryRun: false }, async (chunk) => {
    const deleted = await ops.writer.deleteFromDlq(chunk);
    return { succeeded: deleted.length, failed: chunk.length - deleted.length, removed: deleted };
  });
}
