import { CreateOrderDto } from './create-order.dto';
import { buildOrderAcceptedEnvelope } from './order-accepted.envelope';
import { asciiJson, ORDER_MESSAGE_MAX_BYTES } from './order-message.body';
import { isValidRequestHeader, REQUEST_HEADERS } from './request-headers';
import { codePointLength, STORABLE_TEXT_PATTERN, storableTextProblem } from './storable-text';
import { CLIENT_ID_MAX_LENGTH, CUSTOMER_ID_MAX_LENGTH, SKU_MAX_LENGTH } from './stored-columns';

describe(storableTextProblem.name, () => {
  it.each([
    ['plain text', 'customer-1'],
    ['tab, LF and CR', 'a\tb\nc\r'],
    ['C1 controls and format characters', '\u0085\u200b\u202e\ufeff\ufe0f'],
    ['private use and U+FFFD', '\ue000\ufffd'],
    ['every astral plane', '\u{10000}\u{1f600}\u{e0001}\u{f0000}\u{10ffff}'],
  ])('should accept %s', (_case, text) => {
    expect(storableTextProblem(text, 1, 64)).toBeUndefined();
    expect(new RegExp(STORABLE_TEXT_PATTERN).test(text)).toBe(true);
  });

  it.each([
    ['NUL (PostgreSQL refuses it)', 'a\u0000b'],
    ['another C0 control (SQS refuses it)', 'a\u0001b'],
    ['U+FFFE', '\ufffe'],
    ['U+FFFF', '\uffff'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00b'],
    ['surrogates in the wrong order', '\udc00\ud800'],
  ])('should refuse %s, and so should the documented pattern', (_case, text) => {
    expect(storableTextProblem(text, 1, 64)).toMatch(/^contains U\+/);
    expect(new RegExp(STORABLE_TEXT_PATTERN).test(text)).toBe(false);
  });

  it('should count code points, as varchar(n) does, not UTF-16 units or graphemes', () => {
    // validator's isLength does not count U+FE0E/U+FE0F; PostgreSQL does.
    expect(storableTextProblem('a'.repeat(64) + '\ufe0f', 1, 64)).toMatch(/got 65/);
    expect(storableTextProblem('\u{1f600}'.repeat(64), 1, 64)).toBeUndefined();
    expect(storableTextProblem('', 1, 64)).toMatch(/got 0/);
    expect(codePointLength('e\u0301\u{1f600}')).toBe(3);
  });
});

describe('order message size', () => {
  it('should keep the largest order the contract admits, ASCII-escaped, under the SQS limit', () => {
    const astral = '\u{10ffff}';
    const order = {
      customerId: astral.repeat(CUSTOMER_ID_MAX_LENGTH),
      currency: 'USD',
      items: Array.from({ length: 100 }, () => ({
        sku: astral.repeat(SKU_MAX_LENGTH),
        quantity: 1000,
        unitPriceCents: 100_000_000,
      })),
    } as CreateOrderDto;
    const body = asciiJson(
      buildOrderAcceptedEnvelope(
        '01938c4e-8f2a-7b3c-9d4e-5f6a7b8c9d0e',
        new Date(),
        order,
        'c'.repeat(CLIENT_ID_MAX_LENGTH),
      ),
    );
    const attributes =
      REQUEST_HEADERS.requestId.maxLength +
      REQUEST_HEADERS.traceparent.maxLength +
      REQUEST_HEADERS.idempotencyKey.maxLength +
      3 * 64;

    expect(body.length + attributes).toBeLessThan(ORDER_MESSAGE_MAX_BYTES);
  });

  it('should write ASCII that parses back to the same strings', () => {
    const value = { text: 'a\u00e9\u{1f600}\ud800\u0000\u2028"\\' };

    const json = asciiJson(value);

    expect(json).toMatch(/^[\x20-\x7e]*$/);
    expect(Buffer.byteLength(json)).toBe(json.length);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe(isValidRequestHeader.name, () => {
  it('should take visible ASCII request ids up to the correlation_id column size', () => {
    expect(isValidRequestHeader('requestId', 'r'.repeat(128))).toBe(true);
    expect(isValidRequestHeader('requestId', 'r'.repeat(129))).toBe(false);
    expect(isValidRequestHeader('requestId', 'a b')).toBe(false);
    expect(isValidRequestHeader('requestId', 'caf\u00c3\u00a9')).toBe(false);
    expect(isValidRequestHeader('idempotencyKey', 'k'.repeat(255))).toBe(true);
    expect(isValidRequestHeader('idempotencyKey', '')).toBe(false);
  });
});
