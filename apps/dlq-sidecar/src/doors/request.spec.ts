import { OperationsException } from '../operations/operations.exception';
import { parseCommand } from './cli/cli.command';
import { changeFilterOf, cursorOf, filterOf, limitOf, orderOf, rateOf, stagesOf } from './request';

const now = new Date('2026-03-01T10:00:00.000Z');

describe(filterOf.name, () => {
  it('should read the same filter from CLI options and from a query string', () => {
    const command = parseCommand([
      'redrive',
      '--code',
      'INVALID_ENVELOPE',
      '--since',
      '2h',
      '--rate',
      '50',
    ]);
    const fromCli = command.name === 'help' ? {} : command.input;
    const fromQuery = { reason: 'INVALID_ENVELOPE', since: '2h', rate: '50' };

    expect(filterOf(fromCli, now)).toEqual(filterOf(fromQuery, now));
    expect(filterOf(fromQuery, now)).toEqual({
      code: 'INVALID_ENVELOPE',
      since: new Date('2026-03-01T08:00:00.000Z'),
    });
    expect([rateOf(fromCli), rateOf({ rate: 50 })]).toEqual([50, 50]);
  });

  it.each([
    [{ rate: '0' }, rateOf, 'rate must be a whole number'],
    [{ limit: 1.5 }, (input: Record<string, unknown>) => limitOf(input, 1), 'limit must be'],
    [{ since: 'yesterday' }, filterOf, 'since "yesterday"'],
    [{ reason: 'A', code: 'B' }, filterOf, 'same filter'],
    [{ since: '1h', until: '2h' }, filterOf, 'since is after until'],
    [
      { all: 'maybe' },
      (input: Record<string, unknown>) => changeFilterOf(input, 'redrive'),
      'all must be true or false',
    ],
    [
      {},
      (input: Record<string, unknown>) => changeFilterOf(input, 'redrive'),
      'redrive needs --all',
    ],
    [{ state: 'gone' }, filterOf, 'state must be one of'],
    [{ cursor: 'bm9wZQ' }, cursorOf, 'cursor is not one'],
    [{ order: '{"items": ' }, orderOf, 'not valid JSON'],
    [{ order: '[1]' }, orderOf, 'must be a JSON object'],
  ])('should refuse %j with one message for both doors', (input, parse, message) => {
    expect(() => parse(input)).toThrow(OperationsException);
    expect(() => parse(input)).toThrow(message);
  });
});

describe(parseCommand.name, () => {
  it('should take the id of show and edit as a positional argument', () => {
    expect(parseCommand(['show', 'order-1'])).toEqual({
      name: 'show',
      id: 'order-1',
      input: {},
      json: false,
    });
    expect(parseCommand(['edit', 'order-1', '--file', 'fixed.json', '--dry-run'])).toMatchObject({
      name: 'edit',
      id: 'order-1',
      input: { file: 'fixed.json', dryRun: true },
    });
  });

  it('should show help when no command is given', () => {
    expect(parseCommand([])).toEqual({ name: 'help' });
    expect(parseCommand(['--help'])).toEqual({ name: 'help' });
  });

  it.each([
    [['frobnicate'], 'Unknown command'],
    [['list', '--count', '3'], 'list does not take --count'],
    [['show'], 'exactly one'],
    [['list', '--bogus'], "Unknown option '--bogus'"],
  ])('should refuse %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe(stagesOf.name, () => {
  it('should read stages from the CLI and from a body alike, and the configured ones for staged', () => {
    const command = parseCommand(['redrive', '--plan', 'p', '--stages', '1,5']);
    const fromCli = command.name === 'help' ? {} : command.input;

    expect(stagesOf(fromCli, '1,10')).toEqual([1, 5]);
    expect(stagesOf({ stages: [2, 20] }, '1,10')).toEqual([2, 20]);
    expect(stagesOf({ staged: true }, '1,10')).toEqual([1, 10]);
    expect(stagesOf({ stages: [] }, '1,10')).toEqual([]);
    expect(stagesOf({}, '1,10')).toBeUndefined();
  });

  it('should refuse sizes that are not whole numbers of at least 1', () => {
    for (const stages of ['0,5', '1,x', '', '1,2,3,4,5,6']) {
      expect(() => stagesOf({ stages }, '1,10')).toThrow(/stages must be up to 5 sizes/);
    }
  });
});
