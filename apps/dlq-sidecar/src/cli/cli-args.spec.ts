import { parseCliArgs, UsageError } from './cli-args';

const now = new Date('2026-03-01T10:00:00.000Z');

describe(parseCliArgs.name, () => {
  it('should read a selective redrive with every option', () => {
    expect(
      parseCliArgs(
        ['redrive', '--reason', 'INVALID_ENVELOPE', '--since', '2h', '--dry-run', '--rate', '50'],
        now,
      ),
    ).toEqual({
      name: 'redrive',
      filter: {
        all: undefined,
        reason: 'INVALID_ENVELOPE',
        order: undefined,
        since: new Date('2026-03-01T08:00:00.000Z'),
        until: undefined,
      },
      dryRun: true,
      rate: 50,
      actor: undefined,
      allowNoAudit: false,
      json: false,
    });
  });

  it('should take the id of show as a positional argument', () => {
    expect(parseCliArgs(['show', 'order-1'], now)).toEqual({
      name: 'show',
      id: 'order-1',
      json: false,
    });
  });

  it('should show help when no command is given', () => {
    expect(parseCliArgs([], now)).toEqual({ name: 'help' });
    expect(parseCliArgs(['--help'], now)).toEqual({ name: 'help' });
  });

  it.each([
    [['frobnicate'], 'Unknown command'],
    [['list', '--confirm'], 'list does not take --confirm'],
    [['redrive', '--rate', '0', '--all'], '--rate must be'],
    [['redrive', '--all', '--since', 'yesterday'], '--since "yesterday"'],
    [['redrive', '--reason', 'A', '--code', 'B'], 'same filter'],
    [['show'], 'exactly one'],
    [['list', '--bogus'], "Unknown option '--bogus'"],
    [['list', '--since', '1h', '--until', '2h'], '--since is after --until'],
  ])('should refuse %j', (argv, message) => {
    expect(() => parseCliArgs(argv, now)).toThrow(UsageError);
    expect(() => parseCliArgs(argv, now)).toThrow(message);
  });
});
