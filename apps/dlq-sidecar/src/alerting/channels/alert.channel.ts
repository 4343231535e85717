import { DeadLetterAlert } from '../dead-letter.alert';

/** A group that is still firing, for channels that forget alerts which are not repeated (Alertmanager). */
export interface FiringGroup {
  dlqName: string;
  groupKey: string;
  reason: string;
  openedAt: Date;
  alertedLetters: number;
  inDlq: number;
}

export interface AlertChannel {
  readonly name: string;
  /** Throws DeliveryError; the dispatcher retries the retryable ones. */
  send(alert: DeadLetterAlert): Promise<void>;
  /** Re-asserts that groups are still firing. Only Alertmanager needs it. */
  refresh?(groups: FiringGroup[]): Promise<void>;
}

export const ALERT_CHANNELS = Symbol('ALERT_CHANNELS');

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** POSTs JSON; 2xx is delivered, 408/425/429/5xx and network errors are worth retrying, other 4xx are not. */
export async function postJson(url: string, body: unknown, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } })?.cause?.code;
    throw new DeliveryError(
      `${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause})` : ''}`,
      true,
    );
  }
  // The body is drained so the connection can be reused.
  const text = await response.text().catch(() => '');
  if (response.ok) {
    return;
  }
  const retryable = [408, 425, 429].includes(response.status) || response.status >= 500;
  const retryAfterSeconds = Number(response.headers.get('retry-after'));
  throw new DeliveryError(
    `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
    retryable,
    Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0
      ? retryAfterSeconds * 1000
      : undefined,
  );
}
