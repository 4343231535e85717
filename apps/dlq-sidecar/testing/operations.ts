import { SQSClient } from '@aws-sdk/client-sqs';
import { DlqSidecarConfig, loadConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { QueuePair } from '@orders/testing';
import { DlqReader } from '../src/dlq/dlq.reader';
import { DlqWriter } from '../src/dlq/dlq.writer';
import { AuditLog } from '../src/operations/audit.log';
import { DlqOperations } from '../src/operations/dlq-operations';
import { ScanMarks } from '../src/operations/scan-marks';
import { baseEnv } from './processes';

/** The use cases as the doors get them, without Nest, on this SQS client (a lagging one, say). */
export function dlqOperations(
  sqs: SQSClient,
  database: LazyDataSource,
  queues: QueuePair,
  env: Record<string, string> = {},
): DlqOperations {
  const config = loadConfig(DlqSidecarConfig, { ...baseEnv(queues), ...env });
  return new DlqOperations(
    new DlqReader(sqs, config),
    new DlqWriter(sqs, config),
    new AuditLog(database),
    new ScanMarks(database, config),
    config,
  );
}
