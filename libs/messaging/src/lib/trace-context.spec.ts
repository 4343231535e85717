import { childTraceparent, traceIdOf } from './trace-context';

describe(childTraceparent.name, () => {
  it('should keep the trace id of a valid incoming traceparent and make a new span id', () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    const child = childTraceparent(incoming);

    expect(traceIdOf(child)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child).not.toBe(incoming);
    expect(child).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('should start a new trace for a missing or malformed traceparent', () => {
    expect(childTraceparent(undefined)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceIdOf(childTraceparent('garbage'))).not.toBeUndefined();
    expect(traceIdOf(childTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`))).not.toBe(
      '0'.repeat(32),
    );
  });
});
