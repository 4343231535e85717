import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LazyDataSource } from '@orders/persistence';
import { createQueuePair, migratedDatabase, QueuePair, testSqsClient } from '@orders/testing';
import { sidecarEnv, startSidecar } from '../../testing/sidecars';
import { AuditLog } from './audit.log';

describe(AuditLog.name, () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let app: NestFastifyApplication;
  let audit: AuditLog;
  const by = { actor: 'spec', via: 'cli' as const };

  // The audit ids of the log lines written since `logged.mockClear()`.
  const logged = jest.spyOn(Logger.prototype, 'log');
  const loggedIds = () =>
    logged.mock.calls
      .map(([line]) => line as { event?: string; auditId?: string })
      .filter((line) => line.event === 'dlq_audit')
      .map((line) => line.auditId);
  const committedIds = async (action: string): Promise<string[]> =>
    (
      await database.dataSource.query(
        `SELECT id::text FROM dlq_audit WHERE dlq_name = $1 AND action = $2 ORDER BY id`,
        [queues.dlqUrl.split('/').pop(), action],
      )
    ).map((row: { id: string }) => row.id);

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    app = await startSidecar(sidecarEnv(queues));
    audit = app.get(AuditLog);
  });

  beforeEach(() => logged.mockClear());

  afterAll(async () => {
    logged.mockRestore();
    await app?.close();
    await database?.close();
  });

  it('should log nothing when the transaction that appended rolls back', async () => {
    const failing = audit.transaction(async (_manager, append) => {
      await append({ ...by, action: 'spec.rolled-back' });
      throw new Error('the action failed after its audit entry');
    });

    await expect(failing).rejects.toThrow('the action failed');
    expect(await committedIds('spec.rolled-back')).toEqual([]);
    expect(loggedIds()).toEqual([]);
  });

  it('should log once, the committed entry, when the transaction ran again after a deadlock', async () => {
    let attempts = 0;

    const id = await audit.transaction(async (_manager, append) => {
      const appended = await append({ ...by, action: 'spec.retried' });
      if (++attempts === 1) {
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      }
      return appended;
    });

    expect(attempts).toBe(2);
    expect(await committedIds('spec.retried')).toEqual([id]);
    expect(loggedIds()).toEqual([id]);
  });

  it('should log an action appended on its own with its committed id', async () => {
    const id = await audit.append({ ...by, action: 'spec.alone' });

    expect(await committedIds('spec.alone')).toEqual([id]);
    expect(loggedIds()).toEqual([id]);
  });
});
