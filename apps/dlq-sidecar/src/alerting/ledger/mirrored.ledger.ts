import { DeadLetter } from '../../dlq/dead-letter';
import {
  AlertedRecord,
  AtRisk,
  DeadLetterLedger,
  LedgerView,
  ScanRecord,
} from './dead-letter.ledger';

/**
 * The leader's ledger: the database decides, and a memory copy follows it, so that when the
 * database goes away mid-incident this sidecar carries on without re-alerting what it already sent.
 */
export class MirroredLedger implements DeadLetterLedger {
  constructor(
    private readonly primary: DeadLetterLedger,
    private readonly mirror: DeadLetterLedger,
  ) {}

  async record(letters: DeadLetter[], scan: ScanRecord): Promise<DeadLetter[]> {
    const noticed = await this.primary.record(letters, scan);
    await this.mirror.record(letters, scan);
    return noticed;
  }

  view(): Promise<LedgerView> {
    return this.primary.view();
  }

  atRisk(sentBefore: Date, samples: number): Promise<AtRisk> {
    return this.primary.atRisk(sentBefore, samples);
  }

  // The mirror first: an alert that went out is remembered even if the database write fails.
  async alerted(record: AlertedRecord): Promise<void> {
    await this.mirror.alerted(record);
    await this.primary.alerted(record);
  }

  async resolved(groupKeys: string[]): Promise<void> {
    await this.mirror.resolved(groupKeys);
    await this.primary.resolved(groupKeys);
  }
}
