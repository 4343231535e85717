import {
  buildOrderAcceptedEnvelope,
  CONTRACT_VALIDATION,
  CreateOrderDto,
  OrderAcceptedEnvelope,
  OrderItemDto,
  toOrderAcceptedEnvelope,
} from '@orders/contracts';
import { getMetadataStorage, validateSync } from 'class-validator';
import { isValidEnvelope } from './order-envelope';

type Body = Record<string, unknown>;

const valid = (): Body =>
  JSON.parse(
    JSON.stringify(
      buildOrderAcceptedEnvelope(
        '01938c4e-7f3a-7b2c-9d4e-0123456789ab',
        new Date('2026-12-01T10:00:00.000Z'),
        {
          customerId: 'customer-42',
          currency: 'EUR',
          items: [
            { sku: 'SKU-1', quantity: 2, unitPriceCents: 1999 },
            { sku: 'SKU-2', quantity: 1, unitPriceCents: 0 },
          ],
        },
        'shop-a',
      ),
    ),
  ) as Body;

const classValidatorAccepts = (body: Body) =>
  validateSync(toOrderAcceptedEnvelope(body), CONTRACT_VALIDATION).length === 0;

/** Sets `path` (dotted, array indexes as numbers) to `value`, or deletes it when value is DELETE. */
const DELETE = Symbol('delete');
function mutated(path: string, value: unknown): Body {
  const body = valid();
  const keys = path.split('.');
  const last = keys.pop() as string;
  const parent = keys.reduce<Record<string, unknown>>(
    (node, key) => node[key] as Record<string, unknown>,
    body,
  );
  if (value === DELETE) {
    delete parent[last];
  } else {
    parent[last] = value;
  }
  return body;
}

const texts = (max: number) => [
  '',
  'a',
  'a'.repeat(max),
  'a'.repeat(max + 1),
  '😀'.repeat(max),
  'a\u0000',
  'a\uFFFE',
  '\uD800',
  'tab\there',
  7,
  null,
  ['a'],
];
const integers = (min: number, max: number) => [
  min - 1,
  min,
  max,
  max + 1,
  1.5,
  `${min}`,
  null,
  Number.NaN,
  Infinity,
];

// Every rule of the contract at and around its limits, wrong types, missing and extra fields.
const MUTATIONS: [string, unknown[]][] = [
  ['type', ['order.accepted', 'order.cancelled', '', null, DELETE]],
  ['version', [1, 2, '1', 1.0, null, DELETE]],
  [
    'orderId',
    [
      '01938C4E-7F3A-7B2C-9D4E-0123456789AB',
      'not-a-uuid',
      '01938c4e7f3a7b2c9d4e0123456789ab',
      42,
      DELETE,
    ],
  ],
  ['clientId', [...texts(64), undefined, DELETE]],
  [
    'acceptedAt',
    [
      '2026-12-01T10:00:00Z',
      '2026-12-01',
      '2026-02-30T10:00:00Z',
      'yesterday',
      1764583200000,
      DELETE,
    ],
  ],
  ['order', [null, [], 'order', DELETE]],
  ['order.customerId', [...texts(64), DELETE]],
  ['order.currency', ['USD', 'usd', 'XXX', 'ABC', 'EURO', 7, DELETE]],
  [
    'order.items',
    [
      [],
      Array.from({ length: 100 }, () => ({ sku: 'S', quantity: 1, unitPriceCents: 1 })),
      Array.from({ length: 101 }, () => ({ sku: 'S', quantity: 1, unitPriceCents: 1 })),
      {},
      'items',
      [null],
      [7],
      [[]],
      DELETE,
    ],
  ],
  ['order.items.0.sku', [...texts(64), DELETE]],
  ['order.items.0.quantity', [...integers(1, 1000), DELETE]],
  ['order.items.0.unitPriceCents', [...integers(0, 100_000_000), DELETE]],
  ['extra', ['x']],
  ['order.extra', ['x']],
  ['order.items.1.extra', ['x']],
];

describe(isValidEnvelope.name, () => {
  it('should accept what the gateway enqueues, so the fast check is the one that runs', () => {
    expect(isValidEnvelope(valid())).toBe(true);
    expect(isValidEnvelope(mutated('clientId', DELETE))).toBe(true);
  });

  it.each(MUTATIONS)(
    'should accept a changed %s only when class-validator accepts it too',
    (path, values) => {
      for (const value of values) {
        const body = mutated(path, value);
        const fast = isValidEnvelope(body);
        // Never more lenient; stricter only sends a message through class-validator.
        expect({ value, fast, classValidator: classValidatorAccepts(body) }).toEqual({
          value,
          fast,
          classValidator: fast ? true : expect.any(Boolean),
        });
      }
    },
  );

  it('should be written for the decorators the contract has now (update isValidEnvelope when this fails)', () => {
    const rules = [OrderAcceptedEnvelope, CreateOrderDto, OrderItemDto].flatMap((target) =>
      getMetadataStorage()
        .getTargetValidationMetadatas(target, '', true, false)
        .map(
          (rule) =>
            `${target.name}.${rule.propertyName}: ${rule.name ?? rule.type}(${JSON.stringify(
              rule.constraints ?? [],
              (_, value: unknown) => (value instanceof RegExp ? String(value) : value),
            )})${rule.each ? ' each' : ''}`,
        ),
    );

    expect(rules.sort()).toEqual([
      'CreateOrderDto.currency: isISO4217CurrencyCode([])',
      'CreateOrderDto.currency: matches(["/^[A-Z]{3}$/",null])',
      'CreateOrderDto.customerId: isStorableText([1,64])',
      'CreateOrderDto.items: arrayMaxSize([100])',
      'CreateOrderDto.items: arrayMinSize([1])',
      'CreateOrderDto.items: isArray([])',
      'CreateOrderDto.items: nestedValidation([]) each',
      'OrderAcceptedEnvelope.acceptedAt: isIso8601([{"strict":true}])',
      'OrderAcceptedEnvelope.clientId: isOptional([null])',
      'OrderAcceptedEnvelope.clientId: isStorableText([1,64])',
      'OrderAcceptedEnvelope.order: nestedValidation([])',
      'OrderAcceptedEnvelope.orderId: isUuid(["all"])',
      'OrderAcceptedEnvelope.type: equals(["order.accepted"])',
      'OrderAcceptedEnvelope.version: equals([1])',
      'OrderItemDto.quantity: isInt([])',
      'OrderItemDto.quantity: max([1000])',
      'OrderItemDto.quantity: min([1])',
      'OrderItemDto.sku: isStorableText([1,64])',
      'OrderItemDto.unitPriceCents: isInt([])',
      'OrderItemDto.unitPriceCents: max([100000000])',
      'OrderItemDto.unitPriceCents: min([0])',
    ]);
  });
});
