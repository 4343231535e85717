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
 * Masks every occurrence of the given customer ids in a text (a body, a reason, an attribute):
 * a customer id copied into a note or an error message is masked as well.
 */
export function masked(text: string, customerIds: Iterable<string>): string {
  return maskerOf(customerIds)(text);
}

// One pass over a text for any number of ids; the longest first where one contains another.
function maskerOf(customerIds: Iterable<string>): (text: string) => string {
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
  if (typeof value === 'string') {
    for (const [, quoted] of value.matchAll(IN_JSON_TEXT)) {
      found.add(JSON.parse(quoted) as string);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item) => customerIdsIn(item, found));
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (CUSTOMER_KEYS.includes(key) && typeof item === 'string') {
        found.add(item);
      }
      customerIdsIn(item, found);
    }
  }
  return found;
}

/** The value with the customer ids it names, and the `also` ones, masked in every text it holds. */
export function maskedValue<T>(value: T, also: Iterable<string> = []): T {
  const hide = maskerOf(customerIdsIn(value, new Set(also)));
  const mask = (item: unknown): unknown =>
    typeof item === 'string'
      ? hide(item)
      : Array.isArray(item)
        ? item.map(mask)
        : isPlainObject(item)
          ? Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, mask(inner)]))
          : item;
  return mask(value) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null)
  );
}
