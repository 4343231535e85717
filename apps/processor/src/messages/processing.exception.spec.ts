import {
  failureKindOf,
  ProcessingErrorCode,
  ProcessingException,
  toProcessingException,
} from './processing.exception';

describe(ProcessingException.name, () => {
  it.each([
    [ProcessingErrorCode.MalformedJson, 'permanent'],
    [ProcessingErrorCode.UnsupportedMessage, 'permanent'],
    [ProcessingErrorCode.InvalidEnvelope, 'permanent'],
    [ProcessingErrorCode.RejectedByDatabase, 'permanent'],
    [ProcessingErrorCode.DatabaseUnavailable, 'transient'],
    [ProcessingErrorCode.HandlerTimeout, 'transient'],
    [ProcessingErrorCode.Unexpected, 'transient'],
  ])('should classify %s as %s', (code, kind) => {
    expect(failureKindOf(code)).toBe(kind);
    expect(new ProcessingException(code, 'x').kind).toBe(kind);
  });

  it('should name the underlying error class when there is a cause', () => {
    const failure = new ProcessingException(
      ProcessingErrorCode.MalformedJson,
      'bad',
      undefined,
      new SyntaxError('Unexpected token'),
    );

    expect(failure.causeClass).toBe('SyntaxError');
  });

  it('should name itself when there is no underlying error', () => {
    expect(new ProcessingException(ProcessingErrorCode.InvalidEnvelope, 'bad').causeClass).toBe(
      'ProcessingException',
    );
  });

  it('should turn an unknown error into a transient unexpected failure that keeps the cause', () => {
    const cause = new TypeError('boom');

    const failure = toProcessingException(cause);

    expect(failure).toMatchObject({
      code: ProcessingErrorCode.Unexpected,
      kind: 'transient',
      message: 'boom',
      cause,
    });
  });

  it('should pass a processing exception through unchanged', () => {
    const original = new ProcessingException(ProcessingErrorCode.RejectedByDatabase, 'no');

    expect(toProcessingException(original)).toBe(original);
  });
});
