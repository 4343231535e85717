import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The DLQ sidecar without session state: a leader lease row instead of a session advisory lock
 * (which a transaction-mode pooler cannot keep), the time each dead letter was last seen (absence
 * counts as gone only once it outlasts any reader's hiding; SQS's counts lag), the API client of
 * each letter, and edit-and-retry in the audit log with the order before and after.
 */
export class DlqSidecarLeaseEditsExpiry1767400000000 implements MigrationInterface {
  name = 'DlqSidecarLeaseEditsExpiry1767400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dlq_leader_lease (
        dlq_name   varchar(80) PRIMARY KEY,
        holder     varchar(128) NOT NULL,
        term       bigint NOT NULL CHECK (term > 0),
        expires_at timestamptz NOT NULL,
        -- While the leader scans, it hides letters until then: CLI runs wait for them instead of guessing from counts.
        scan_until timestamptz
      )`);
    // Rows already there count as seen when they were noticed; the scan id is no longer used.
    await queryRunner.query(`
      ALTER TABLE dlq_dead_letters
        ADD COLUMN last_seen_at timestamptz,
        ADD COLUMN client_id varchar(128),
        ALTER COLUMN last_scan_id DROP NOT NULL`);
    await queryRunner.query(`UPDATE dlq_dead_letters SET last_seen_at = noticed_at`);
    await queryRunner.query(`ALTER TABLE dlq_dead_letters ALTER COLUMN last_seen_at SET NOT NULL`);
    await queryRunner.query(`
      ALTER TABLE dlq_audit_log
        DROP CONSTRAINT dlq_audit_log_action_check,
        ADD CONSTRAINT dlq_audit_log_action_check CHECK (action IN ('redrive', 'purge', 'edit')),
        ADD COLUMN order_before jsonb,
        ADD COLUMN order_after jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM dlq_audit_log WHERE action = 'edit'`);
    await queryRunner.query(`
      ALTER TABLE dlq_audit_log
        DROP COLUMN order_after,
        DROP COLUMN order_before,
        DROP CONSTRAINT dlq_audit_log_action_check,
        ADD CONSTRAINT dlq_audit_log_action_check CHECK (action IN ('redrive', 'purge'))`);
    await queryRunner.query(
      `UPDATE dlq_dead_letters SET last_scan_id = '' WHERE last_scan_id IS NULL`,
    );
    await queryRunner.query(`
      ALTER TABLE dlq_dead_letters
        ALTER COLUMN last_scan_id SET NOT NULL,
        DROP COLUMN client_id,
        DROP COLUMN last_seen_at`);
    await queryRunner.query(`DROP TABLE dlq_leader_lease`);
  }
}
