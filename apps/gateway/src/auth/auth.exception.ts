export enum AuthErrorCode {
  MissingApiKey = 'MISSING_API_KEY',
  InvalidApiKey = 'INVALID_API_KEY',
  RateLimited = 'RATE_LIMITED',
  TooManyFailedAttempts = 'TOO_MANY_FAILED_ATTEMPTS',
}

export class AuthException extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    /** Seconds until a rate-limited client (or a throttled address) may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AuthException';
  }
}
