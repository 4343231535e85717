import { getMetadataStorage, validateSync } from 'class-validator';
import { CreateOrderDto } from './create-order.dto';
import { toCreateOrderDto, toOrderAcceptedEnvelope } from './create-order.factory';
import { isValidOrder, isValidOrderAcceptedEnvelope } from './fast-validation';
import { buildOrderAcceptedEnvelope, OrderAcceptedEnvelope } from './order-accepted.envelope';
import { OrderItemDto } from './order-item.dto';
import { CONTRACT_VALIDATION } from './validation-options';

type Body = Record<string, unknown>;

const validOrder = (): Body => ({
  customerId: 'customer-42',
  currency: 'EUR',
  items: [
    { sku: 'SKU-1', quantity: 2, unitPriceCents: 1999 },
    { sku: 'SKU-2', quantity: 1, unitPriceCents: 0 },
  ],
});

const validEnvelope = (): Body =>
  JSON.parse(
    JSON.stringify(
      buildOrderAcceptedEnvelope(
        '01938c4e-7f3a-7b2c-9d4e-0123456789ab',
        new Date('2026-12-01T10:00:00.000Z'),
        validOrder() as unknown as CreateOrderDto,
        'shop-a',
      ),
    ),
  ) as Body;

const DELETE = Symbol('delete');

/** A copy of `start()` with `path` (dotted, array indexes as numbers) set to `value` or deleted. */
function mutated(start: () => Body, path: string, value: unknown): Body {
  const body = start();
  const keys = path.split('.');
  const last = keys.pop() as string;
  const parent = keys.reduce<Body>((node, key) => node[key] as Body, body);
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
  DELETE,
];
const integers = (min: number, max: number) => [
  min - 1,
  min,
  max,
  max + 1,
  1.5,
  -0,
  `${min}`,
  null,
  Number.NaN,
  Infinity,
  DELETE,
];
const itemLists = [
  [],
  Array.from({ length: 100 }, () => ({ sku: 'S', quantity: 1, unitPriceCents: 1 })),
  Array.from({ length: 101 }, () => ({ sku: 'S', quantity: 1, unitPriceCents: 1 })),
  {},
  'items',
  [null],
  [7],
  [[]],
  DELETE,
];

// Every rule at and around its limits, wrong types, missing and extra fields.
const ORDER_MUTATIONS: [string, unknown[]][] = [
  ['customerId', texts(64)],
  ['currency', ['USD', 'usd', 'XXX', 'ABC', 'EURO', 7, DELETE]],
  ['items', itemLists],
  ['items.0.sku', texts(64)],
  ['items.0.quantity', integers(1, 1000)],
  ['items.0.unitPriceCents', integers(0, 100_000_000)],
  ['extra', ['x', null]],
  ['items.1.extra', ['x']],
];
const ENVELOPE_MUTATIONS: [string, unknown[]][] = [
  ['type', ['order.accepted', 'order.cancelled', '', null, DELETE]],
  ['version', [1, 2, '1', null, DELETE]],
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
  ['clientId', [...texts(64), undefined]],
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
  ...ORDER_MUTATIONS.map(([path, values]): [string, unknown[]] => [`order.${path}`, values]),
  ['extra', ['x']],
];

// The fast check and class-validator side by side, for every mutation of one field: the fast one
// may only accept what class-validator accepts (stricter would only send the body the slow way).
function expectNeverMoreLenient(
  start: () => Body,
  fastCheck: (body: Body) => boolean,
  toInstance: (body: Body) => object,
  path: string,
  values: unknown[],
): void {
  for (const value of values) {
    const body = mutated(start, path, value);
    const fast = fastCheck(body);
    const classValidator = validateSync(toInstance(body), CONTRACT_VALIDATION).length === 0;
    expect({ value, fast, classValidator }).toEqual({
      value,
      fast,
      classValidator: fast ? true : expect.any(Boolean),
    });
  }
}

describe('fast validation', () => {
  it('should accept what a client sends and the gateway enqueues, so the fast check is the one that runs', () => {
    expect(isValidOrder(validOrder())).toBe(true);
    expect(isValidOrderAcceptedEnvelope(validEnvelope())).toBe(true);
    expect(isValidOrderAcceptedEnvelope(mutated(validEnvelope, 'clientId', DELETE))).toBe(true);
  });

  it.each(ORDER_MUTATIONS)(
    'should accept an order with a changed %s only when class-validator accepts it too',
    (path, values) =>
      expectNeverMoreLenient(validOrder, isValidOrder, toCreateOrderDto, path, values),
  );

  it.each(ENVELOPE_MUTATIONS)(
    'should accept an envelope with a changed %s only when class-validator accepts it too',
    (path, values) =>
      expectNeverMoreLenient(
        validEnvelope,
        isValidOrderAcceptedEnvelope,
        toOrderAcceptedEnvelope,
        path,
        values,
      ),
  );

  it('should be written for the decorators the contract has now (update fast-validation.ts when this fails)', () => {
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
