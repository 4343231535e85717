import { ValidateBy, ValidationOptions } from 'class-validator';

// The characters Amazon SQS allows in message bodies and string attributes: #x9 | #xA | #xD |
// #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. PostgreSQL's text types refuse NUL and need
// valid UTF-8 (no lone surrogates); SQS's set already excludes both, so one rule serves both.
const STORABLE = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const UNSTORABLE_CHARACTER = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * The same rule as an ECMA-262 pattern without the `u` flag, for OpenAPI documents: a surrogate
 * is allowed only as half of a pair.
 */
export const STORABLE_TEXT_PATTERN =
  '^(?:[\\t\\n\\r\\x20-\\uD7FF\\uE000-\\uFFFD]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';

export const STORABLE_TEXT_RULE =
  'any Unicode text except NUL, control characters other than tab, LF and CR, U+FFFE, U+FFFF and lone surrogates';

/** Length in Unicode code points: what PostgreSQL's varchar(n) and JSON Schema's maxLength count. */
export function codePointLength(text: string): number {
  let length = text.length;
  // Each surrogate pair is one code point in two UTF-16 units.
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        index++;
      }
    }
  }
  return length;
}

/** Why `text` cannot be stored within min..max code points, or undefined when it can. */
export function storableTextProblem(text: string, min: number, max: number): string | undefined {
  if (!STORABLE.test(text)) {
    const index = text.search(UNSTORABLE_CHARACTER);
    const code = text.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0');
    return `contains U+${code} at UTF-16 index ${index}; allowed: ${STORABLE_TEXT_RULE}`;
  }
  const length = codePointLength(text);
  if (length < min || length > max) {
    return `must be ${min}..${max} characters (Unicode code points), got ${length}`;
  }
  return undefined;
}

/** A string that SQS carries and PostgreSQL stores unchanged, of min..max code points. */
export function IsStorableText(min: number, max: number, options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isStorableText',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && storableTextProblem(value, min, max) === undefined,
        defaultMessage: (args) =>
          typeof args?.value === 'string'
            ? `${args.property} ${storableTextProblem(args.value, min, max)}`
            : `${args?.property} must be a string`,
      },
    },
    options,
  );
}
