import type { Message } from '@aws-sdk/client-sqs';
import {
  buildOrderAcceptedEnvelope,
  FAILURE_ATTRIBUTES,
  MessageAttribute,
} from '@orders/contracts';
import { randomUUID } from 'node:crypto';
import { ChaosStack, startChaosStack, waitUntil } from '../support/chaos-stack';
import { peekAll, queueDepth, sendRaw } from '../support/queues';
import { tally } from '../support/tally';

const MESSAGES = 2_000;
const CUSTOMER = 'chaos-04-poison';
const REJECTED_CUSTOMER = 'chaos-04-refused-by-db';

type PoisonKind =
  | 'MALFORMED_JSON'
  | 'UNKNOWN_TYPE'
  | 'UNKNOWN_VERSION'
  | 'INVALID_ENVELOPE'
  | 'REJECTED_BY_DATABASE';

// What each kind of poison must be dead-lettered as.
const EXPECTED_CODE: Record<PoisonKind, string> = {
  MALFORMED_JSON: 'MALFORMED_JSON',
  UNKNOWN_TYPE: 'UNSUPPORTED_MESSAGE',
  UNKNOWN_VERSION: 'UNSUPPORTED_MESSAGE',
  INVALID_ENVELOPE: 'INVALID_ENVELOPE',
  REJECTED_BY_DATABASE: 'REJECTED_BY_DATABASE',
};

function envelope(marker: string, customerId = CUSTOMER, orderId = randomUUID()) {
  return buildOrderAcceptedEnvelope(orderId, new Date(), {
    customerId,
    currency: 'EUR',
    items: [{ sku: marker, quantity: 1, unitPriceCents: 500 }],
  });
}

function poison(kind: PoisonKind, marker: string): string {
  switch (kind) {
    case 'MALFORMED_JSON':
      return `{"type":"order.accepted","marker":"${marker}",`;
    case 'UNKNOWN_TYPE':
      return JSON.stringify({ ...envelope(marker), type: 'order.exploded' });
    case 'UNKNOWN_VERSION':
      return JSON.stringify({ ...envelope(marker), version: 7 });
    case 'INVALID_ENVELOPE':
      return JSON.stringify({
        ...envelope(marker),
        order: {
          customerId: CUSTOMER,
          currency: 'EUR',
          items: [{ sku: marker, quantity: -1, unitPriceCents: 5 }],
        },
      });
    case 'REJECTED_BY_DATABASE':
      return JSON.stringify(envelope(marker, REJECTED_CUSTOMER));
  }
}

describe('04 one message in a hundred is poison, sent straight to the queue', () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack('04-poison');
  }, 60_000);

  afterAll(() => chaos?.stop(), 60_000);

  it('should dead-letter exactly the poison messages, each with its reason, and store all the others', async () => {
    await chaos.faults.set({ rejectCustomer: REJECTED_CUSTOMER });
    const kinds = Object.keys(EXPECTED_CODE) as PoisonKind[];
    const good: { marker: string; orderId: string; body: string }[] = [];
    const poisoned = new Map<string, PoisonKind>();
    const bodies: string[] = [];
    for (let index = 0; index < MESSAGES; index++) {
      const marker = `c04-${index}`;
      // Every hundredth message, spread through the stream so it shares batches with good orders.
      if (index % 100 === 50) {
        const body = poison(kinds[((index - 50) / 100) % kinds.length], marker);
        poisoned.set(body, kinds[((index - 50) / 100) % kinds.length]);
        bodies.push(body);
      } else {
        const order = envelope(marker);
        good.push({ marker, orderId: order.orderId, body: JSON.stringify(order) });
        bodies.push(JSON.stringify(order));
      }
    }
    const startedAt = Date.now();

    await sendRaw(chaos.sqsClient, chaos.sqs.ordersQueueUrl, bodies);

    await waitUntil(
      'every poison message is in the DLQ',
      async () =>
        (await queueDepth(chaos.sqsClient, chaos.sqs.ordersDlqUrl)).total >= poisoned.size,
      60_000,
    ).catch(() => undefined);
    const { figures, ledger, leftInQueue } = await tally(chaos, {
      name: '04-poison-messages',
      customerId: CUSTOMER,
      sent: MESSAGES,
      accepted: good.map(({ marker, orderId }) => ({ marker, orderId })),
      // The queue took every message; the poison is expected in the DLQ, not in the database.
      acceptedTotal: MESSAGES,
      startedAt,
      details: () => ({ poison: poisoned.size, kinds: kinds.length }),
    });
    const deadLetters = await peekAll(chaos.sqsClient, chaos.sqs.ordersDlqUrl);
    await chaos.faults.set({});

    // Exactly the poison: nothing more, nothing less, each once.
    expect(deadLetters.map((message) => message.Body).sort()).toEqual([...poisoned.keys()].sort());
    for (const letter of deadLetters) {
      const kind = poisoned.get(letter.Body as string) as PoisonKind;
      const reason = (name: string) => (letter as Message).MessageAttributes?.[name]?.StringValue;
      expect({ kind, missing: FAILURE_ATTRIBUTES.filter((name) => !reason(name)) }).toEqual({
        kind,
        missing: [],
      });
      expect({ kind, code: reason(MessageAttribute.FailureCode) }).toEqual({
        kind,
        code: EXPECTED_CODE[kind],
      });
    }
    expect(figures.inDlq).toBe(poisoned.size);
    expect(figures.stored).toBe(MESSAGES - poisoned.size);
    expect(ledger.lost).toEqual([]);
    expect(figures.duplicates).toBe(0);
    expect(ledger.torn).toBe(0);
    expect(leftInQueue).toBe(0);
    const refused = await chaos.pool.query(
      'SELECT count(*)::int AS n FROM orders WHERE customer_id = $1',
      [REJECTED_CUSTOMER],
    );
    expect(refused.rows[0].n).toBe(0);
  });
});
