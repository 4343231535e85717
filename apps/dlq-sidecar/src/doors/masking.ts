const DOT = '•';
const CUSTOMER_KEYS = ['customer', 'customerId'];
// `"customerId": "…"` inside a text: an order body, a letter's body.
const IN_JSON_TEXT = /"customerId"\s*:\s*("(?:[^"\\]|\\.)*")/g;

/** A customer id as the console shows it by default: enough to tell two apart, not to read one. */
export function maskCustomerId(id: string): string {
  const characters = [...id];
  if (characters.length <= 4) {
    return DOT.repeat(4);
  }
  return `${characters[0]}${DOT.repeat(4)}${characters.slice(-2).join('')}`;
}

/**
 * Masks every occurrence of the given customer ids in a text (a body, a reason, an attribute), in
 * one pass, the longest id first where one contains another: a customer id copied into a note or
 * an error message is masked as well.
 */
export function maskerOf(customerIds: Iterable<string>): (text: string) => string {
  const ids = [...new Set(customerIds)].filter((id) => id.length > 0);
  if (ids.length === 0) {
    return (text) => text;
  }
  const pattern = new RegExp(
    ids
      .sort((a, b) => b.length - a.length)
      .map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'g',
  );
  return (text) => text.replace(pattern, maskCustomerId);
}

/** Every customer id a value names: under a `customer`/`customerId` key, or in a JSON text it holds. */
export function customerIdsIn(value: unknown, found = new Set<string>()): Set<string> {
  mapTexts(value, (text, key) => {
    if (CUSTOMER_KEYS.includes(key ?? '')) {
      found.add(text);
    }
    for (const [, quoted] of text.matchAll(IN_JSON_TEXT)) {
      found.add(JSON.parse(quoted) as string);
    }
    return text;
  });
  return found;
}

/** The value with the customer ids it names, and the `also` ones, masked in every text it holds. */
export function maskedValue<T>(value: T, also: Iterable<string> = []): T {
  return mapTexts(value, maskerOf(customerIdsIn(value, new Set(also)))) as T;
}

// Arrays and plain objects are copied with each text mapped; anything else (a Date) stays as is.
function mapTexts(
  value: unknown,
  map: (text: string, key?: string) => string,
  key?: string,
): unknown {
  if (typeof value === 'string') {
    return map(value, key);
  }
  if (Array.isArray(value)) {
    return value.map((item) => mapTexts(item, map));
  }
  const plain =
    typeof value === 'object' &&
    value !== null &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null);
  return plain
    ? Object.fromEntries(
        Object.entries(value).map(([name, item]) => [name, mapTexts(item, map, name)]),
      )
    : value;
}
