import { Injectable } from '@nestjs/common';
import { Discard } from '../operations/discard';
import { EditAndRetry } from '../operations/edit';
import { Actor } from '../operations/operations.exception';
import { ReadRecords } from '../operations/read';
import { ApplyOptions, Redrive } from '../operations/redrive';
import { Triage } from '../operations/triage';
import { RecordFilter } from '../records/record';
import {
  changeFilterOf,
  cursorOf,
  filterOf,
  flagOf,
  limitOf,
  orderOf,
  positive,
  rateOf,
  RequestInput,
  stagesOf,
  text,
} from './request';

/**
 * The use cases as the doors ask for them, input by name (CLI options, a query, a JSON body): the
 * CLI and the admin API make the same call for the same request, and name it in the same words.
 */
@Injectable()
export class DoorRequests {
  constructor(
    readonly read: ReadRecords,
    readonly redrive: Redrive,
    readonly editing: EditAndRetry,
    private readonly discarding: Discard,
    private readonly triaging: Triage,
  ) {}

  list(input: RequestInput) {
    return this.read.list(filterOf(input), limitOf(input, 50), cursorOf(input));
  }

  groups(input: RequestInput) {
    return this.read.groups(filterOf(input));
  }

  audit(input: RequestInput) {
    return this.read.trail(limitOf(input, 20));
  }

  /** The filter is kept as the operator gave it (times as ISO texts), in the plan and the audit. */
  plan(filter: RecordFilter, by: Actor) {
    const described: Record<string, unknown> = JSON.parse(JSON.stringify(filter));
    return this.redrive.plan(filter, described, by);
  }

  status(planId: string, input: RequestInput) {
    return this.redrive.status(planId, limitOf(input, 50), text(input, 'after'));
  }

  /** `rate` and `stages` (or `staged`) of an apply. */
  applyOptions(input: RequestInput): ApplyOptions {
    return {
      ratePerSecond: rateOf(input),
      stages: stagesOf(input, this.redrive.configuredStages),
    };
  }

  /** Applies in the background (the admin API): follow it with status(). */
  start(planId: string, by: Actor, input: RequestInput) {
    const { ratePerSecond, stages } = this.applyOptions(input);
    return this.redrive.start(planId, by, ratePerSecond, stages);
  }

  edit(key: string, input: RequestInput, by: Actor) {
    return this.editing.apply(key, orderOf(input), flagOf(input, 'dryRun'), by);
  }

  discard(input: RequestInput, by: Actor, action = 'discard') {
    return this.discarding.discard(changeFilterOf(input, action), positive(input, 'count'), by);
  }

  restore(input: RequestInput, by: Actor) {
    return this.discarding.restore(changeFilterOf(input, 'restore'), by);
  }

  /** Owner, note (up to 2000 characters) and on hold of a failure group; what is not given stays. */
  triage(code: string, input: RequestInput, by: Actor) {
    const onHold = input.onHold === undefined ? undefined : flagOf(input, 'onHold');
    const change = { owner: text(input, 'owner'), note: text(input, 'note', 2000), onHold };
    return this.triaging.set(code.toUpperCase(), change, by);
  }
}
