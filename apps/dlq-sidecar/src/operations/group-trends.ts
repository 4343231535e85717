import { Injectable } from '@nestjs/common';
import { FailureGroup, RecordsStore } from '../records/records.store';
import { OPEN_STATES } from '../records/record';

export const TREND_HOURS = 24;

export interface GroupWithTrend extends FailureGroup {
  /** Failures (letters) per hour, oldest first; the last bucket is the hour up to now. */
  trend: number[];
  /** Open records of the group whose first failure is at or after `since`. */
  newSince?: number;
}

/**
 * The failure groups as the console shows them: open records per code with triage, plus the
 * last 24 hours of failures per hour and what is new since a time. Sorted by impact: groups on
 * hold last, then most open records, then most failures in the last 24 hours.
 */
@Injectable()
export class GroupTrends {
  constructor(private readonly records: RecordsStore) {}

  /** Open records per code, and nothing else: cheap enough for every open console to poll. */
  async counts(): Promise<Record<string, number>> {
    return Object.fromEntries(await this.openPerCode());
  }

  async groups(since?: Date, now: Date = new Date()): Promise<GroupWithTrend[]> {
    const [groups, buckets, fresh] = await Promise.all([
      this.records.groups({}),
      this.records.query<{ code: string; hour: number; failures: number }>(
        `SELECT failure_code AS code, floor(extract(epoch FROM ($2::timestamptz - last_failed_at)) / 3600)::int AS hour,
                count(*)::int AS failures
           FROM dlq_letters
          WHERE dlq_name = $1 AND last_failed_at > $2::timestamptz - make_interval(hours => $3) AND last_failed_at <= $2
          GROUP BY 1, 2`,
        [this.records.dlqName, now, TREND_HOURS],
      ),
      since === undefined ? Promise.resolve([]) : this.openPerCode(since),
    ]);
    const trends = new Map<string, number[]>();
    for (const { code, hour, failures } of buckets) {
      const trend = trends.get(code) ?? new Array<number>(TREND_HOURS).fill(0);
      trend[TREND_HOURS - 1 - Math.min(hour, TREND_HOURS - 1)] += failures;
      trends.set(code, trend);
    }
    const newSince = new Map(fresh);
    const last24h = (trend: number[]) => trend.reduce((sum, value) => sum + value, 0);
    return groups
      .map((group) => ({
        ...group,
        trend: trends.get(group.failureCode) ?? new Array<number>(TREND_HOURS).fill(0),
        newSince: since === undefined ? undefined : (newSince.get(group.failureCode) ?? 0),
      }))
      .sort(
        (a, b) =>
          Number(a.onHold) - Number(b.onHold) ||
          b.count - a.count ||
          last24h(b.trend) - last24h(a.trend) ||
          a.failureCode.localeCompare(b.failureCode),
      );
  }

  /** Open records per failure code (first failed at or after `since`, when given). */
  private async openPerCode(since?: Date): Promise<[string, number][]> {
    const rows = await this.records.query<{ code: string; count: number }>(
      `SELECT failure_code AS code, count(*)::int AS count FROM dlq_records
        WHERE dlq_name = $1 AND state = ANY($2::text[]) AND ($3::timestamptz IS NULL OR first_failed_at >= $3)
        GROUP BY 1`,
      [this.records.dlqName, OPEN_STATES, since ?? null],
    );
    return rows.map(({ code, count }) => [code, count]);
  }
}
