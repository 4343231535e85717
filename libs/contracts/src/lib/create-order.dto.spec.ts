import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateOrderDto } from './create-order.dto';
import { toCreateOrderDto, toOrderAcceptedEnvelope } from './create-order.factory';
import { buildOrderAcceptedEnvelope, OrderAcceptedEnvelope } from './order-accepted.envelope';
import { CONTRACT_VALIDATION, describeValidationErrors } from './validation-options';

const valid = {
  customerId: 'c-1',
  currency: 'JPY',
  items: [{ sku: 'A', quantity: 1000, unitPriceCents: 100_000_000 }],
};

function problems<T extends object>(type: new () => T, plain: unknown): string[] {
  return describeValidationErrors(
    validateSync(plainToInstance(type, plain) as object, CONTRACT_VALIDATION),
  ).map((problem) => problem.field);
}

describe(CreateOrderDto.name, () => {
  it('should accept an order at the limits of the contract', () => {
    expect(problems(CreateOrderDto, valid)).toEqual([]);
  });

  it.each([
    ['customerId over 64 characters', { ...valid, customerId: 'x'.repeat(65) }, 'customerId'],
    ['an unknown currency', { ...valid, currency: 'ABC' }, 'currency'],
    ['a lower-case currency', { ...valid, currency: 'usd' }, 'currency'],
    [
      'a quantity above 1000',
      { ...valid, items: [{ ...valid.items[0], quantity: 1001 }] },
      'items.0.quantity',
    ],
    [
      'a price above 100000000',
      { ...valid, items: [{ ...valid.items[0], unitPriceCents: 100_000_001 }] },
      'items.0.unitPriceCents',
    ],
    [
      'a price given as a string',
      { ...valid, items: [{ ...valid.items[0], unitPriceCents: '10' }] },
      'items.0.unitPriceCents',
    ],
    [
      'an unknown item field',
      { ...valid, items: [{ ...valid.items[0], colour: 'red' }] },
      'items.0.colour',
    ],
  ])('should reject %s', (_case, plain, field) => {
    expect(problems(CreateOrderDto, plain)).toContain(field);
  });
});

describe(toCreateOrderDto.name, () => {
  const fieldsOf = (plain: Record<string, unknown>) =>
    describeValidationErrors(validateSync(toCreateOrderDto(plain), CONTRACT_VALIDATION)).map(
      (problem) => problem.field,
    );

  it.each([
    ['a valid order', valid],
    ['a string quantity', { ...valid, items: [{ ...valid.items[0], quantity: '2' }] }],
    ['an item that is not an object', { ...valid, items: ['A'] }],
    ['items that are not an array', { ...valid, items: { sku: 'A' } }],
    ['an unknown field', { ...valid, coupon: 'FREE' }],
    ['missing fields', {}],
  ])('should lead to the same problems as class-transformer for %s', (_case, plain) => {
    expect(fieldsOf(plain as Record<string, unknown>)).toEqual(problems(CreateOrderDto, plain));
  });

  it('should build DTO instances so nested rules apply', () => {
    const order = toCreateOrderDto(valid);

    expect(order).toBeInstanceOf(CreateOrderDto);
    expect(order.items[0].constructor.name).toBe('OrderItemDto');
  });
});

describe(OrderAcceptedEnvelope.name, () => {
  it('should validate the envelope the gateway builds', () => {
    const envelope = buildOrderAcceptedEnvelope(
      '01938c4e-8f2a-7b3c-9d4e-5f6a7b8c9d0e',
      new Date(),
      valid as CreateOrderDto,
    );

    expect(problems(OrderAcceptedEnvelope, JSON.parse(JSON.stringify(envelope)))).toEqual([]);
  });

  it('should reject an envelope of another version or with a broken order', () => {
    const envelope = buildOrderAcceptedEnvelope(
      '01938c4e-8f2a-7b3c-9d4e-5f6a7b8c9d0e',
      new Date(),
      valid as CreateOrderDto,
    );

    expect(problems(OrderAcceptedEnvelope, { ...envelope, version: 2 })).toContain('version');
    expect(
      problems(OrderAcceptedEnvelope, { ...envelope, order: { ...valid, items: [] } }),
    ).toContain('order.items');
  });
});

describe(toOrderAcceptedEnvelope.name, () => {
  const envelope = JSON.parse(
    JSON.stringify(
      buildOrderAcceptedEnvelope(
        '01938c4e-8f2a-7b3c-9d4e-5f6a7b8c9d0e',
        new Date(),
        valid as CreateOrderDto,
      ),
    ),
  );
  const fieldsOf = (plain: Record<string, unknown>) =>
    describeValidationErrors(validateSync(toOrderAcceptedEnvelope(plain), CONTRACT_VALIDATION)).map(
      (problem) => problem.field,
    );

  it.each([
    ['a valid envelope', envelope],
    ['a broken order', { ...envelope, order: { ...valid, items: [{ sku: '', quantity: 0 }] } }],
    ['an order that is not an object', { ...envelope, order: 'x' }],
    ['an unknown field', { ...envelope, extra: 1 }],
  ])('should lead to the same problems as class-transformer for %s', (_case, plain) => {
    expect(fieldsOf(plain)).toEqual(problems(OrderAcceptedEnvelope, plain));
  });
});

describe('CreateOrderDto text fields', () => {
  it.each([
    ['customerId with NUL', { ...valid, customerId: 'a\u0000' }, 'customerId'],
    [
      'customerId of 64 letters and U+FE0F',
      { ...valid, customerId: 'a'.repeat(64) + '\ufe0f' },
      'customerId',
    ],
    [
      'a sku with a lone surrogate',
      { ...valid, items: [{ ...valid.items[0], sku: '\ud800' }] },
      'items.0.sku',
    ],
    ['a sku that is a number', { ...valid, items: [{ ...valid.items[0], sku: 7 }] }, 'items.0.sku'],
  ])('should reject %s', (_case, plain, field) => {
    expect(problems(CreateOrderDto, plain)).toEqual([field]);
  });

  it('should accept astral, format and C1 characters up to 64 code points', () => {
    const customerId = '\u{1f600}'.repeat(62) + '\u202e\u0085';

    expect(problems(CreateOrderDto, { ...valid, customerId })).toEqual([]);
  });
});

describe('OrderAcceptedEnvelope clientId', () => {
  const envelope = (clientId?: string) =>
    JSON.parse(
      JSON.stringify(
        buildOrderAcceptedEnvelope(
          '01938c4e-8f2a-7b3c-9d4e-5f6a7b8c9d0e',
          new Date(),
          valid as CreateOrderDto,
          clientId,
        ),
      ),
    );

  it('should carry the client at the top level, and accept envelopes of older gateways without it', () => {
    expect(envelope('shop-a').clientId).toBe('shop-a');
    expect(problems(OrderAcceptedEnvelope, envelope('shop-a'))).toEqual([]);
    expect(problems(OrderAcceptedEnvelope, envelope())).toEqual([]);
  });

  it('should refuse a client id that could not be stored', () => {
    expect(problems(OrderAcceptedEnvelope, envelope('x'.repeat(65)))).toEqual(['clientId']);
    expect(problems(OrderAcceptedEnvelope, envelope(''))).toEqual(['clientId']);
  });
});
