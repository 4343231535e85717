import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';

export function stringAttribute(value: string | number): MessageAttributeValue {
  return typeof value === 'number'
    ? { DataType: 'Number', StringValue: String(value) }
    : { DataType: 'String', StringValue: value };
}

export function readAttribute(
  message: Pick<Message, 'MessageAttributes'>,
  name: string,
): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

/** SQS counts a message's size as body plus attribute names, types and values. */
export function messageSize(
  body: string,
  attributes: Record<string, MessageAttributeValue> = {},
): number {
  let size = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes)) {
    size +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}
