import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DlqSidecarConfig, loadConfig } from '@orders/config';
import { createQueuePair, eventually, QueuePair, testSqsClient } from '@orders/testing';
import { baseEnv, queueDepth } from '../../testing/processes';
import { deadOrders, sendAll } from '../../testing/dead-letter.seeds';
import { MOVED_BY_SQS } from './dead-letter';
import { lagCounts } from '../../testing/lagging-counts';
import { DlqHasRedrivePolicyError, DlqReader } from './dlq.reader';

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
      { visibilitySeconds: 30, maxMessages: 1000 },
      async (batch) => {
        seen.push(...batch.map(({ letter }) => letter.orderId ?? ''));
      },
    );

    expect(outcome).toMatchObject({ examined: 25, complete: true });
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

    await reader.scan({ visibilitySeconds: 30, maxMessages: 10 }, async (batch) => {
      reasons.push(...batch.map(({ letter }) => `${letter.groupKey}: ${letter.reason}`));
    });

    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(new RegExp(`^${MOVED_BY_SQS}: moved by SQS after \\d+ receives$`));
  });

  it('should keep receiving until the given time when letters are hidden by another reader, and then examine them too', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(6, 'INVALID_ENVELOPE', 'bad').seeds);
    // Another reader (a killed CLI run) holds some of them for three seconds.
    await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.dlqUrl,
        MaxNumberOfMessages: 4,
        VisibilityTimeout: 3,
      }),
    );
    const waits: number[] = [];

    const impatient = await reader.scan({ visibilitySeconds: 30, maxMessages: 100 });
    const started = Date.now();
    const patient = await reader.scan({
      visibilitySeconds: 30,
      maxMessages: 100,
      hiddenUntil: async () => new Date(started + 6000),
      maxWaitMs: 10_000,
      onWaiting: (seconds) => waits.push(seconds),
    });

    expect(impatient).toMatchObject({ examined: 2, complete: true });
    expect(patient).toMatchObject({ examined: 6, complete: true });
    expect(waits.length).toBeGreaterThan(0);
  });

  it('should decide that a scan saw everything by receiving until nothing comes back, whatever SQS counts', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(7, 'INVALID_ENVELOPE', 'bad').seeds);
    // As Amazon SQS may report for a minute after a scan released its letters.
    const lagging = new DlqReader(
      lagCounts(testSqsClient(), { visible: 0, inFlight: 7 }),
      loadConfig(DlqSidecarConfig, baseEnv(queues)),
    );
    const waits: number[] = [];

    const outcome = await lagging.scan({
      visibilitySeconds: 30,
      maxMessages: 100,
      onWaiting: (seconds) => waits.push(seconds),
    });

    expect(outcome).toMatchObject({ examined: 7, complete: true });
    expect(waits).toEqual([]);
  });

  it('should refuse to read a DLQ that has a redrive policy of its own, before any receive', async () => {
    const chained = await createQueuePair(sqs);
    const onward = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: chained.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: chained.dlqUrl,
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: onward.Attributes?.QueueArn,
            maxReceiveCount: 1,
          }),
        },
      }),
    );
    await sendAll(sqs, chained.dlqUrl, deadOrders(1, 'INVALID_ENVELOPE', 'bad').seeds);
    const guarded = new DlqReader(sqs, loadConfig(DlqSidecarConfig, baseEnv(chained)));

    await expect(guarded.scan({ visibilitySeconds: 30, maxMessages: 10 })).rejects.toThrow(
      DlqHasRedrivePolicyError,
    );

    // Not received once: a receive would have counted towards the DLQ's own maxReceiveCount of 1.
    const [untouched] =
      (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: chained.dlqUrl,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        )
      ).Messages ?? [];
    expect(untouched?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it('should call a scan partial when its hiding runs out and only letters already seen keep coming back', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(5, 'INVALID_ENVELOPE', 'bad').seeds);

    // Visibility 0: every letter is visible again at once, as when a scan outlasts its hiding.
    const outcome = await reader.scan({
      visibilitySeconds: 0,
      maxMessages: 100,
    });

    expect(outcome).toMatchObject({ examined: 5, complete: false });
  });

  it('should release what it holds when the visitor fails', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(12, 'INVALID_ENVELOPE', 'bad').seeds);

    await expect(
      reader.scan({ visibilitySeconds: 30, maxMessages: 100 }, async () => {
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
