import { Letter } from './letter';

export const RECORD_STATES = ['failed', 'retry_requested', 'resolved', 'discarded'] as const;
export type RecordState = (typeof RECORD_STATES)[number];
/** What an operator still has to act on. */
export const OPEN_STATES: RecordState[] = ['failed', 'retry_requested'];

/** Which records an operation is about. `ids` is a selection; the rest combine (AND). */
export interface RecordFilter {
  ids?: string[];
  code?: string;
  client?: string;
  customer?: string;
  /** An order id or an SQS message id of one of its letters. */
  order?: string;
  since?: Date;
  until?: Date;
  /** Text anywhere in the body (case-insensitive). */
  text?: string;
  /** Default: the open states. */
  states?: RecordState[];
}

/** One failed order (or one letter that is no order) as lists show it. */
export interface FailedOrderRecord {
  id: string;
  state: RecordState;
  failureCode: string;
  failureReason: string;
  orderId: string | null;
  clientId: string | null;
  customerId: string | null;
  /** Letters of this record: every failure, the first included. */
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  recordedAt: Date;
  updatedAt: Date;
  discardedAt: Date | null;
}

/** One failure of a record: the letter exactly as received. */
export type Attempt = Omit<Letter, 'orderId' | 'clientId' | 'customerId' | 'traceId'> & {
  id: string;
  traceId: string | null;
  recordedAt: Date;
};

export interface Edit {
  id: string;
  bodyBefore: string;
  bodyAfter: string;
  diff: DiffEntry[];
  actor: string;
  at: Date;
}

export interface DiffEntry {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditEntry {
  id: string;
  at: Date;
  login: string;
  actor: string;
  via: string;
  action: string;
  recordIds: string[];
  planId: string | null;
  detail: Record<string, unknown>;
}

export interface Page<T> {
  /** Exact: every record the filter matches. */
  total: number;
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last one. */
  nextCursor?: string;
}

/** Where a page ends: keyset pagination, stable while records arrive. */
export interface PageCursor {
  at: string;
  id: string;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.at}|${cursor.id}`).toString('base64url');
}

export function decodeCursor(text: string): PageCursor | undefined {
  const [at, id] = Buffer.from(text, 'base64url').toString().split('|');
  return at && /^\d{1,19}$/.test(id ?? '') && !Number.isNaN(Date.parse(at))
    ? { at, id }
    : undefined;
}
