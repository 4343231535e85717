/**
 * SQS's message size limit, body plus attribute names, types and values, in bytes. Queues created
 * since August 2025 default to 1 MiB; 256 KiB is the limit every queue honours.
 */
export const ORDER_MESSAGE_MAX_BYTES = 256 * 1024;

/**
 * JSON with every non-ASCII UTF-16 unit written as a \u escape. The same value for any JSON parser,
 * and pure ASCII on the wire, so no queue's character check can refuse it: fauxqs 1.9.2 refuses
 * astral characters that Amazon SQS accepts. Its size in bytes is its length.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
