import { DlqOperations } from './dlq-operations';
import { RunReport, RunRequest, runOnLetters } from './run-loop';

/** Sends the chosen dead letters back to the orders queue unchanged, under their order ids. */
export function redrive(ops: DlqOperations, request: RunRequest): Promise<RunReport> {
  return runOnLetters(ops, 'redrive', request, async (chunk) => {
    const { sent, deleted } = await ops.writer.moveToOrdersQueue(chunk);
    return { succeeded: sent, failed: chunk.length - sent, removed: deleted };
  });
}
