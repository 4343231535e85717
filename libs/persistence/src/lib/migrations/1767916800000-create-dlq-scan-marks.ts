import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every operator scan of the DLQ (list, show, dry run, redrive, purge, edit) hides the letters it
 * has received until it ends, so scans of one DLQ take turns: each writes a mark before its first
 * receive and waits for the marks written before it. Read-only scans have no audit run to say so,
 * hence a table of its own; a killed scan's mark runs out with its letters' hiding.
 */
export class CreateDlqScanMarks1767916800000 implements MigrationInterface {
  name = 'CreateDlqScanMarks1767916800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dlq_scan_marks (
        id           uuid PRIMARY KEY,
        dlq_name     varchar(80) NOT NULL,
        started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
        hidden_until timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX dlq_scan_marks_dlq_idx ON dlq_scan_marks (dlq_name, hidden_until)`,
    );
    await queryRunner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON dlq_scan_marks TO orders_dlq_sidecar, orders_dlq_operator`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dlq_scan_marks`);
  }
}
