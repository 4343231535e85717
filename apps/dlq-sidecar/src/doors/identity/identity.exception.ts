export enum IdentityErrorCode {
  SignInRequired = 'SIGN_IN_REQUIRED',
  SignInFailed = 'SIGN_IN_FAILED',
  NotAllowed = 'NOT_ALLOWED',
  CsrfRejected = 'CSRF_REJECTED',
  Throttled = 'TOO_MANY_FAILURES',
}

export class IdentityException extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
  ) {
    super(message);
    this.name = IdentityException.name;
  }

  get statusCode(): number {
    switch (this.code) {
      case IdentityErrorCode.SignInRequired:
      case IdentityErrorCode.SignInFailed:
        return 401;
      case IdentityErrorCode.NotAllowed:
      case IdentityErrorCode.CsrfRejected:
        return 403;
      case IdentityErrorCode.Throttled:
        return 429;
    }
  }
}
