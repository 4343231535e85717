import { DeadLetter, failedAt } from '../dlq/dead-letter';
import { DeadLetterFilter, hasCriteria, matchesFilter } from '../dlq/dead-letter.filter';
import { DlqOperations } from './dlq-operations';

export interface ReasonGroup {
  reason: string;
  count: number;
  firstFailureAt: Date;
  lastFailureAt: Date;
  latestMessage: string;
}

export interface ListResult {
  dlqName: string;
  examined: number;
  matched: number;
  groups: ReasonGroup[];
  /** Newest failures first, at most `limit`. */
  letters: DeadLetter[];
  /** Letters another reader (a run, a watcher scan) still hid when the list gave up waiting for them. */
  leftHidden: boolean;
  /** Seconds each letter has in the DLQ before SQS deletes it, counted from its SentTimestamp. */
  retentionSeconds?: number;
}

/** Dead letters grouped by reason, newest first. An empty filter lists everything. */
export async function list(
  ops: DlqOperations,
  filter: DeadLetterFilter,
  limit: number,
): Promise<ListResult> {
  const effective = hasCriteria(filter) ? filter : { ...filter, all: true };
  const letters: DeadLetter[] = [];
  const outcome = await ops.scan({}, async (batch) => {
    letters.push(
      ...batch
        .map((received) => received.letter)
        .filter((letter) => matchesFilter(letter, effective)),
    );
  });
  const depth = await ops.reader.depth().catch(() => undefined);
  letters.sort((a, b) => failedAt(b).getTime() - failedAt(a).getTime());
  return {
    dlqName: ops.dlqName,
    examined: outcome.examined,
    matched: letters.length,
    groups: groupsOf(letters),
    letters: letters.slice(0, limit),
    leftHidden: outcome.leftHidden,
    retentionSeconds: depth?.retentionSeconds,
  };
}

function groupsOf(letters: DeadLetter[]): ReasonGroup[] {
  const groups = new Map<string, ReasonGroup>();
  for (const letter of letters) {
    const at = failedAt(letter);
    const group = groups.get(letter.groupKey);
    if (!group) {
      groups.set(letter.groupKey, {
        reason: letter.groupKey,
        count: 1,
        firstFailureAt: at,
        lastFailureAt: at,
        latestMessage: letter.reason,
      });
      continue;
    }
    group.count += 1;
    if (at < group.firstFailureAt) {
      group.firstFailureAt = at;
    }
    if (at >= group.lastFailureAt) {
      group.lastFailureAt = at;
      group.latestMessage = letter.reason;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
