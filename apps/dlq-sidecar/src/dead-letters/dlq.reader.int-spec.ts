import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DlqSidecarConfig, loadConfig } from '@orders/config';
import { createQueuePair, eventually, QueuePair, testSqsClient } from '@orders/testing';
import { baseEnv, queueDepth } from '../testing/processes';
import { deadOrders, sendAll } from '../testing/dead-letter.seeds';
import { MOVED_BY_SQS } from './dead-letter';
import { DlqReader } from './dlq.reader';

describe(`${DlqReader.name} (real SQS emulator)`, () => {
  const sqs: SQSClient = testSqsClient();
  let queues: QueuePair;
  let reader: DlqReader;

  beforeEach(async () => {
    queues = await createQueuePair(sqs, { maxReceiveCount: 2 });
    reader = new DlqReader(sqs, loadConfig(DlqSidecarConfig, baseEnv(queues)));
  });

  it('should see every dead letter once and leave all of them in the DLQ, visible again', async () => {
    const { orderIds, seeds } = deadOrders(25, 'INVALID_ENVELOPE', 'bad');
    await sendAll(sqs, queues.dlqUrl, seeds);
    const seen: string[] = [];

    const outcome = await reader.scan(
      { visibilitySeconds: 30, maxMessages: 1000, waitForHiddenMs: 0 },
      async (batch) => {
        seen.push(...batch.map(({ letter }) => letter.orderId ?? ''));
      },
    );

    expect(outcome).toMatchObject({
      examined: 25,
      complete: true,
      hiddenByOthers: 0,
    });
    expect(seen.sort()).toEqual([...orderIds].sort());
    // Released at once, not after the 30 s it was hidden for.
    expect(await queueDepth(sqs, queues.dlqUrl)).toEqual({
      visible: 25,
      inFlight: 0,
      total: 25,
    });
  });

  it('should report "moved by SQS after N receives" for a letter the redrive policy moved', async () => {
    await sendAll(sqs, queues.queueUrl, [{ body: 'poison' }]);
    // Two failed receives (maxReceiveCount 2); the third receive moves it.
    for (let attempt = 0; attempt < 3; attempt++) {
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.queueUrl,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 0,
        }),
      );
    }
    await eventually(async () => expect((await queueDepth(sqs, queues.dlqUrl)).visible).toBe(1));
    const reasons: string[] = [];

    await reader.scan(
      { visibilitySeconds: 30, maxMessages: 10, waitForHiddenMs: 0 },
      async (batch) => {
        reasons.push(...batch.map(({ letter }) => `${letter.groupKey}: ${letter.reason}`));
      },
    );

    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(new RegExp(`^${MOVED_BY_SQS}: moved by SQS after \\d+ receives$`));
  });

  it('should wait for letters hidden by another reader and then examine them too', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(6, 'INVALID_ENVELOPE', 'bad').seeds);
    // Another reader (a killed CLI run) holds some of them for four seconds.
    await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.dlqUrl,
        MaxNumberOfMessages: 4,
        VisibilityTimeout: 4,
      }),
    );
    const waits: number[] = [];

    const impatient = await reader.scan({
      visibilitySeconds: 30,
      maxMessages: 100,
      waitForHiddenMs: 0,
    });
    const patient = await reader.scan({
      visibilitySeconds: 30,
      maxMessages: 100,
      waitForHiddenMs: 10_000,
      onWaiting: (hidden) => waits.push(hidden),
    });

    expect(impatient).toMatchObject({
      examined: 2,
      complete: false,
      hiddenByOthers: 4,
    });
    expect(patient).toMatchObject({ examined: 6, hiddenByOthers: 0 });
    expect(waits[0]).toBe(4);
  });

  it('should call a scan partial when its hiding runs out and only letters already seen keep coming back', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(5, 'INVALID_ENVELOPE', 'bad').seeds);

    // Visibility 0: every letter is visible again at once, as when a scan outlasts its hiding.
    const outcome = await reader.scan({
      visibilitySeconds: 0,
      maxMessages: 100,
      waitForHiddenMs: 0,
    });

    expect(outcome).toMatchObject({ examined: 5, complete: false });
  });

  it('should release what it holds when the visitor fails', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(12, 'INVALID_ENVELOPE', 'bad').seeds);

    await expect(
      reader.scan({ visibilitySeconds: 30, maxMessages: 100, waitForHiddenMs: 0 }, async () => {
        throw new Error('visitor broke');
      }),
    ).rejects.toThrow('visitor broke');

    expect(await queueDepth(sqs, queues.dlqUrl)).toEqual({
      visible: 12,
      inFlight: 0,
      total: 12,
    });
  });
});
