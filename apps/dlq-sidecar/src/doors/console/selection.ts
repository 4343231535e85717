import { ReadRecords } from '../../operations/read';
import { RecordFilter } from '../../records/record';
import { changeFilterOf, filterOf, invalid, RequestInput } from '../request';

// The list's filter fields (the views' query string) and what the doors' filter calls them.
export const LIST_FILTER_FIELDS = {
  code: 'code',
  client: 'client',
  customer: 'customer',
  orderId: 'order',
  from: 'since',
  to: 'until',
  q: 'text',
} as const;

/** What a console form chose: ticked orders (`key` repeated), or the list's filter with `scope=filter`. */
export interface Selection {
  /** Record ids, or order / message ids that the caller resolves to record ids. */
  keys?: string[];
  filter?: RecordFilter;
  /** The form's own fields, to carry through a confirm step unchanged. */
  fields: [string, string][];
}

export function selectionOf(body: RequestInput): Selection {
  const fields: [string, string][] = [];
  if (body.scope === 'filter') {
    const input: RequestInput = {};
    for (const [field, name] of Object.entries(LIST_FILTER_FIELDS)) {
      const value = body[field];
      if (typeof value === 'string' && value.trim() !== '') {
        input[name] = value;
        fields.push([field, value]);
      }
    }
    fields.push(['scope', 'filter']);
    // A filter that names nothing would be "every failed order": the form must say so with `all`.
    const all = body.all === 'true';
    if (all) {
      fields.push(['all', 'true']);
    }
    if (Object.keys(input).length === 0 && !all) {
      throw invalid(
        'Name the orders: a failure code, client, customer, order id, time range or text in the body',
      );
    }
    return { filter: changeFilterOf({ ...input, all: all || undefined }, 'this'), fields };
  }
  const given = body.key;
  const keys = (Array.isArray(given) ? given : given === undefined ? [] : [given])
    .filter((key): key is string => typeof key === 'string')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  if (keys.length === 0) {
    throw invalid('Choose at least one order (tick it in the list), or act on the list’s filter');
  }
  if (keys.length > 10_000) {
    throw invalid('At most 10,000 orders at once; use the filter instead');
  }
  keys.forEach((key) => fields.push(['key', key]));
  return { keys, fields };
}

/**
 * The records a selection names: the filter as it is, or its keys as record ids (a key that is
 * an order id or an SQS message id stands for every record it names).
 */
export async function recordFilterOf(
  selection: Selection,
  read: ReadRecords,
): Promise<RecordFilter> {
  if (selection.filter) {
    return selection.filter;
  }
  const ids = new Set<string>();
  for (const key of selection.keys ?? []) {
    if (RECORD_ID.test(key)) {
      ids.add(key);
    } else {
      (await read.show(key)).forEach((shown) => ids.add(shown.record.id));
    }
  }
  // No states: each operation takes the ones it acts on (a plan failed ones, discard open ones).
  return filterOf({ ids: [...ids] });
}

const RECORD_ID = /^\d{1,18}$/;
