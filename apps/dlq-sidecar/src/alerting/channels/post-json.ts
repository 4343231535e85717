/** A failed delivery; the dispatcher retries the retryable ones (Retry-After honoured). */
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
