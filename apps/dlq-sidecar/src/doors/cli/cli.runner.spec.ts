import { Discard } from '../../operations/discard';
import { EditAndRetry } from '../../operations/edit';
import { ReadRecords } from '../../operations/read';
import { Redrive } from '../../operations/redrive';
import { Triage } from '../../operations/triage';
import { DoorRequests } from '../door-requests';
import { EXIT } from '../error-answers';
import { parseCommand } from './cli.command';
import { runCommand } from './cli.runner';

describe(runCommand.name, () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['--rate', '0'],
    ['--stages', '1,x'],
  ])('should refuse redrive %s %s before a plan is made', async (option, value) => {
    const plan = jest.fn();
    const redrive = { configuredStages: '1,10', plan } as unknown as Redrive;
    const doors = new DoorRequests(
      {} as ReadRecords,
      redrive,
      {} as EditAndRetry,
      {} as Discard,
      {} as Triage,
    );
    const stderr = jest.spyOn(process.stderr, 'write').mockReturnValue(true);
    const command = parseCommand(['redrive', '--code', 'X', option, value]);

    const exit =
      command.name === 'help'
        ? undefined
        : await runCommand(doors, command, { actor: 'spec', signal: new AbortController().signal });

    expect(exit).toBe(EXIT.usage);
    expect(plan).not.toHaveBeenCalled();
    expect(String(stderr.mock.calls[0][0])).toMatch(/^error: (rate|stages) must be/);
  });
});
