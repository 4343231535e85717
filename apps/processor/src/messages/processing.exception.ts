import type { FieldProblem } from '@orders/contracts';

export enum ProcessingErrorCode {
  MalformedJson = 'MALFORMED_JSON',
  UnsupportedMessage = 'UNSUPPORTED_MESSAGE',
  InvalidEnvelope = 'INVALID_ENVELOPE',
  RejectedByDatabase = 'REJECTED_BY_DATABASE',
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  HandlerTimeout = 'HANDLER_TIMEOUT',
  Unexpected = 'UNEXPECTED',
}

/** Permanent: the same message can never succeed, so it goes to the DLQ now. Transient: retry later. */
export type FailureKind = 'permanent' | 'transient';

export function failureKindOf(code: ProcessingErrorCode): FailureKind {
  switch (code) {
    case ProcessingErrorCode.MalformedJson:
    case ProcessingErrorCode.UnsupportedMessage:
    case ProcessingErrorCode.InvalidEnvelope:
    case ProcessingErrorCode.RejectedByDatabase:
      return 'permanent';
    case ProcessingErrorCode.DatabaseUnavailable:
    case ProcessingErrorCode.HandlerTimeout:
    case ProcessingErrorCode.Unexpected:
      // Unknown errors get the benefit of the doubt; maxReceiveCount still bounds them.
      return 'transient';
  }
}

export class ProcessingException extends Error {
  readonly kind: FailureKind;

  constructor(
    readonly code: ProcessingErrorCode,
    message: string,
    readonly fields?: FieldProblem[],
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ProcessingException';
    this.kind = failureKindOf(code);
  }

  /** Name of the underlying error class, for the dead letter's failure-class attribute. */
  get causeClass(): string {
    return this.cause instanceof Error ? this.cause.constructor.name : this.name;
  }
}

export function toProcessingException(error: unknown): ProcessingException {
  return error instanceof ProcessingException
    ? error
    : new ProcessingException(
        ProcessingErrorCode.Unexpected,
        error instanceof Error ? error.message : String(error),
        undefined,
        error,
      );
}
