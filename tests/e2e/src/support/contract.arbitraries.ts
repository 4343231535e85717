import fc from 'fast-check';

// One character from every class that layers disagree about: C0/C1 controls (NUL included),
// format characters, noncharacters, lone surrogates, every astral plane, and plain text.
const codePoint = (min: number, max: number) =>
  fc.integer({ min, max }).map((point) => String.fromCodePoint(point));
const unit = (min: number, max: number) =>
  fc.integer({ min, max }).map((code) => String.fromCharCode(code));

// Characters every layer (SQS, PostgreSQL, JSON) should take: plain text, C1 controls, format
// characters, variation selectors, private use, every astral plane.
export const storableCharacter = fc.oneof(
  { weight: 6, arbitrary: codePoint(0x20, 0x7e) },
  { weight: 1, arbitrary: fc.constantFrom('\t', '\n', '\r') },
  { weight: 1, arbitrary: codePoint(0x7f, 0x9f) },
  { weight: 2, arbitrary: codePoint(0xa0, 0xd7ff) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '\u00ad',
      '\u0301',
      '\u061c',
      '\u200b',
      '\u200d',
      '\u200e',
      '\u202e',
      '\u2028',
      '\u2066',
      '\ufe0e',
      '\ufe0f',
      '\ufeff',
      '\ufdd0',
      '\ufffd',
    ),
  },
  { weight: 1, arbitrary: codePoint(0xe000, 0xfffd) },
  { weight: 2, arbitrary: codePoint(0x1f300, 0x1faff) },
  { weight: 2, arbitrary: codePoint(0x10000, 0x10ffff) },
  { weight: 1, arbitrary: fc.constantFrom('\u{10000}', '\u{e0001}', '\u{f0000}', '\u{10ffff}') },
);

// Characters that some layer refuses: NUL and the other C0 controls (PostgreSQL refuses NUL, SQS
// all of them), U+FFFE/U+FFFF (SQS) and lone surrogates (not UTF-8 at all).
export const unstorableCharacter = fc.oneof(
  codePoint(0x00, 0x08),
  fc.constantFrom('\u000b', '\u000c', '\u001f', '\ufffe', '\uffff'),
  unit(0xd800, 0xdfff),
);

export const anyCharacter = fc.oneof(
  { weight: 9, arbitrary: storableCharacter },
  { weight: 1, arbitrary: unstorableCharacter },
);

/** Text of any characters; lengths cluster around the contract's boundaries (in code points). */
export function anyText(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: textOf(storableCharacter) },
    { weight: 1, arbitrary: textOf(anyCharacter) },
  );
}

function textOf(characters: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 12 }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 64 }) },
      { weight: 1, arbitrary: fc.constantFrom(1, 63, 64, 65, 127, 128, 129, 255, 256) },
    )
    .chain((length) => fc.array(characters, { minLength: length, maxLength: length }))
    .map((parts) => parts.join(''));
}

/** Header values as a client can put them on the wire: bytes 0x09, 0x20..0xFF (read as latin1). */
export const headerText = fc
  .oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(1, 127, 128, 129, 255, 256, 300))
  .chain((length) =>
    fc.array(
      fc.oneof(
        { weight: 8, arbitrary: codePoint(0x21, 0x7e) },
        { weight: 1, arbitrary: fc.constantFrom(' ', '\t') },
        { weight: 1, arbitrary: codePoint(0x80, 0xff) },
      ),
      { minLength: length, maxLength: length },
    ),
  )
  .map((parts) => parts.join(''));

const currencies = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('USD', 'EUR', 'JPY', 'CHF', 'XXX') },
  { weight: 1, arbitrary: fc.constantFrom('usd', 'ABC', 'EU', 'EURO', '') },
  { weight: 1, arbitrary: anyText() },
);

const integerish = (min: number, max: number) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.integer({ min, max }) },
    { weight: 1, arbitrary: fc.constantFrom(min, max, min - 1, max + 1, 1.5, -0) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('2', null, true, 1e21) },
  );

export const anyItem = fc.record({
  sku: fc.oneof({ weight: 20, arbitrary: anyText() }, { weight: 1, arbitrary: fc.constant(7) }),
  quantity: integerish(1, 1000),
  unitPriceCents: integerish(0, 100_000_000),
});

export const anyOrder = fc.record({
  customerId: anyText(),
  currency: currencies,
  items: fc.oneof(
    { weight: 20, arbitrary: fc.array(anyItem, { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constant([]) },
  ),
});

/** How the body travels: UTF-8 JSON, ASCII-only JSON (\u escapes, so lone surrogates arrive), or broken UTF-8. */
export type BodyEncoding = 'utf8' | 'escaped' | 'invalid-utf8';
export const bodyEncoding: fc.Arbitrary<BodyEncoding> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('utf8' as const) },
  { weight: 3, arbitrary: fc.constant('escaped' as const) },
  { weight: 1, arbitrary: fc.constant('invalid-utf8' as const) },
);

export function encodeBody(body: unknown, encoding: BodyEncoding): Buffer {
  const json = JSON.stringify(body);
  if (encoding === 'escaped') {
    return Buffer.from(
      json.replace(
        /[\u007f-\uffff]/g,
        (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
      ),
    );
  }
  const bytes = Buffer.from(json, 'utf8');
  if (encoding === 'utf8') {
    return bytes;
  }
  // A lone continuation byte and a CESU-8 surrogate inside the first string value.
  const quote = bytes.indexOf(0x22, bytes.indexOf(0x3a));
  return Buffer.concat([
    bytes.subarray(0, quote + 1),
    Buffer.from([0x80, 0xed, 0xa0, 0x80]),
    bytes.subarray(quote + 1),
  ]);
}

export const traceparents = fc.oneof(
  fc
    .tuple(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
    )
    .map(
      ([trace, span]) =>
        `00-${Buffer.from(trace).toString('hex')}-${Buffer.from(span).toString('hex')}-01`,
    ),
  headerText,
);
