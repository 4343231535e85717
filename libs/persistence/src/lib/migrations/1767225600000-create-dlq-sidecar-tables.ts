import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * State of the DLQ sidecar: which dead letters were noticed and alerted (so N sidecars alert
 * once and a new leader does not repeat the old one's alerts), which alert groups are open, and
 * the audit log of redrives and purges.
 */
export class CreateDlqSidecarTables1767225600000 implements MigrationInterface {
  name = 'CreateDlqSidecarTables1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dlq_dead_letters (
        dlq_name        varchar(80) NOT NULL,
        message_id      varchar(128) NOT NULL,
        group_key       varchar(128) NOT NULL,
        order_id        varchar(128),
        customer_id     varchar(128),
        reason          text NOT NULL,
        attempts        integer,
        failed_first_at timestamptz NOT NULL,
        failed_last_at  timestamptz NOT NULL,
        sent_at         timestamptz NOT NULL,
        noticed_at      timestamptz NOT NULL DEFAULT now(),
        last_scan_id    varchar(64) NOT NULL,
        alerted_at      timestamptz,
        gone_at         timestamptz,
        PRIMARY KEY (dlq_name, message_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX dlq_dead_letters_pending_idx ON dlq_dead_letters (dlq_name) WHERE alerted_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX dlq_dead_letters_present_idx ON dlq_dead_letters (dlq_name, group_key) WHERE gone_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE dlq_alert_groups (
        dlq_name        varchar(80) NOT NULL,
        group_key       varchar(128) NOT NULL,
        reason          text NOT NULL,
        opened_at       timestamptz NOT NULL,
        last_alerted_at timestamptz NOT NULL,
        alerted_letters integer NOT NULL CHECK (alerted_letters >= 0),
        PRIMARY KEY (dlq_name, group_key)
      )`);
    await queryRunner.query(`
      CREATE TABLE dlq_audit_log (
        id              bigserial PRIMARY KEY,
        dlq_name        varchar(80) NOT NULL,
        action          varchar(16) NOT NULL CHECK (action IN ('redrive', 'purge')),
        actor           varchar(256) NOT NULL,
        via             varchar(16) NOT NULL,
        filter          jsonb NOT NULL,
        rate_per_second integer,
        status          varchar(16) NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
        examined        integer NOT NULL DEFAULT 0,
        matched         integer NOT NULL DEFAULT 0,
        succeeded       integer NOT NULL DEFAULT 0,
        failed          integer NOT NULL DEFAULT 0,
        order_ids       text[] NOT NULL DEFAULT '{}',
        error           text,
        started_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX dlq_audit_log_started_idx ON dlq_audit_log (dlq_name, started_at DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE dlq_audit_log`);
    await queryRunner.query(`DROP TABLE dlq_alert_groups`);
    await queryRunner.query(`DROP TABLE dlq_dead_letters`);
  }
}
