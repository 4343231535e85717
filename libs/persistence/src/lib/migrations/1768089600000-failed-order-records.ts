import { MigrationInterface, QueryRunner } from 'typeorm';

const OPEN_STATES = `('failed', 'retry_requested')`;

/**
 * Failed orders become records: the dlq-sidecar drains the DLQ into these tables and every
 * operator action works on them (docs/dlq-sidecar.md). The scan-era tables go: the ledger of
 * noticed letters, alert groups, the leader lease and the scan marks. The old audit runs stay,
 * read-only, as history.
 *
 * - dlq_letters: every letter received, exactly as SQS delivered it, once per SQS message id.
 * - dlq_records: one failed order (or one letter that is no order); its letters are its attempts.
 * - dlq_groups: per failure code, the triage state and what was alerted (claimed by UPDATE).
 * - dlq_plans / dlq_plan_items: a redrive's frozen set and how far it got.
 * - dlq_edits: the chain of corrections of a record.
 * - dlq_audit: append-only; the writing login is set by the server, not by the writer.
 */
export class FailedOrderRecords1768089600000 implements MigrationInterface {
  name = 'FailedOrderRecords1768089600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`DROP TABLE dlq_scan_marks, dlq_leader_lease, dlq_alert_groups, dlq_dead_letters`);
    await q(
      `REVOKE INSERT ON dlq_audit_log, dlq_audit_events FROM orders_dlq_sidecar, orders_dlq_operator`,
    );
    await q(`
      CREATE TABLE dlq_records (
        id              bigserial PRIMARY KEY,
        dlq_name        varchar(80) NOT NULL,
        state           varchar(16) NOT NULL DEFAULT 'failed'
                        CHECK (state IN ('failed', 'retry_requested', 'resolved', 'discarded')),
        state_before_discard varchar(16),
        failure_code    varchar(128) NOT NULL,
        failure_reason  text NOT NULL,
        order_id        text,
        client_id       text,
        customer_id     text,
        body            text NOT NULL,
        attempts        integer NOT NULL DEFAULT 1,
        first_failed_at timestamptz NOT NULL,
        last_failed_at  timestamptz NOT NULL,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        discarded_at    timestamptz
      )`);
    // A letter of an order that already has an open record is a new attempt on that record.
    await q(
      `CREATE UNIQUE INDEX dlq_records_open_order_idx ON dlq_records (dlq_name, order_id) WHERE state IN ${OPEN_STATES}`,
    );
    await q(
      `CREATE INDEX dlq_records_page_idx ON dlq_records (dlq_name, last_failed_at DESC, id DESC)`,
    );
    await q(`CREATE INDEX dlq_records_code_idx ON dlq_records (dlq_name, failure_code)`);
    await q(`CREATE INDEX dlq_records_order_idx ON dlq_records (order_id)`);
    await q(`
      CREATE TABLE dlq_letters (
        id                bigserial PRIMARY KEY,
        record_id         bigint NOT NULL REFERENCES dlq_records (id),
        dlq_name          varchar(80) NOT NULL,
        message_id        text NOT NULL,
        body              text NOT NULL,
        attributes        jsonb NOT NULL,
        system_attributes jsonb NOT NULL,
        failure_code      varchar(128) NOT NULL,
        failure_reason    text NOT NULL,
        failure_detail    jsonb NOT NULL,
        receive_count     integer NOT NULL,
        sent_at           timestamptz NOT NULL,
        first_failed_at   timestamptz NOT NULL,
        last_failed_at    timestamptz NOT NULL,
        order_id          text,
        client_id         text,
        customer_id       text,
        trace_id          text,
        recorded_at       timestamptz NOT NULL DEFAULT now(),
        UNIQUE (dlq_name, message_id)
      )`);
    await q(`CREATE INDEX dlq_letters_record_idx ON dlq_letters (record_id, id)`);
    await q(`CREATE INDEX dlq_letters_code_idx ON dlq_letters (dlq_name, failure_code, id)`);
    await q(`
      CREATE TABLE dlq_groups (
        dlq_name        varchar(80) NOT NULL,
        failure_code    varchar(128) NOT NULL,
        owner           text,
        note            text,
        on_hold         boolean NOT NULL DEFAULT false,
        alerted_through bigint NOT NULL DEFAULT 0,
        alerted_letters integer NOT NULL DEFAULT 0,
        opened_at       timestamptz,
        alerted_at      timestamptz,
        refreshed_at    timestamptz,
        PRIMARY KEY (dlq_name, failure_code)
      )`);
    await q(`
      CREATE TABLE dlq_edits (
        id          bigserial PRIMARY KEY,
        record_id   bigint NOT NULL REFERENCES dlq_records (id),
        body_before text NOT NULL,
        body_after  text NOT NULL,
        diff        jsonb NOT NULL,
        actor       text NOT NULL,
        at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q(`CREATE INDEX dlq_edits_record_idx ON dlq_edits (record_id, id)`);
    await q(`
      CREATE TABLE dlq_plans (
        id           uuid PRIMARY KEY,
        dlq_name     varchar(80) NOT NULL,
        filter       jsonb NOT NULL,
        total        integer NOT NULL,
        state        varchar(16) NOT NULL DEFAULT 'planned'
                     CHECK (state IN ('planned', 'applying', 'done', 'cancelled')),
        created_by   text NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        applied_by   text,
        heartbeat_at timestamptz
      )`);
    await q(`
      CREATE TABLE dlq_plan_items (
        plan_id   uuid NOT NULL REFERENCES dlq_plans (id),
        record_id bigint NOT NULL REFERENCES dlq_records (id),
        sent_at   timestamptz,
        skipped   text,
        PRIMARY KEY (plan_id, record_id)
      )`);
    await q(`CREATE INDEX dlq_plan_items_record_idx ON dlq_plan_items (record_id)`);
    await q(`
      CREATE TABLE dlq_audit (
        id         bigserial PRIMARY KEY,
        dlq_name   varchar(80) NOT NULL,
        at         timestamptz NOT NULL DEFAULT now(),
        login      name NOT NULL,
        actor      text NOT NULL,
        via        varchar(16) NOT NULL,
        action     varchar(32) NOT NULL,
        record_ids bigint[] NOT NULL DEFAULT '{}',
        plan_id    uuid,
        detail     jsonb NOT NULL DEFAULT '{}'
      )`);
    await q(`CREATE INDEX dlq_audit_records_idx ON dlq_audit USING gin (record_ids)`);
    await q(`CREATE INDEX dlq_audit_at_idx ON dlq_audit (dlq_name, id DESC)`);
    // The server names the login and the time: a writer cannot claim another login's name.
    await q(`
      CREATE FUNCTION dlq_audit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.login := session_user;
        NEW.at := now();
        RETURN NEW;
      END $$`);
    await q(
      `CREATE TRIGGER dlq_audit_stamp BEFORE INSERT ON dlq_audit FOR EACH ROW EXECUTE FUNCTION dlq_audit_stamp()`,
    );

    const both = 'orders_dlq_sidecar, orders_dlq_operator';
    await q(`GRANT SELECT (order_id) ON orders TO ${both}`);
    await q(`GRANT SELECT, UPDATE ON dlq_records, dlq_plans, dlq_plan_items TO ${both}`);
    await q(`GRANT SELECT, UPDATE ON dlq_groups TO ${both}`);
    await q(`GRANT SELECT ON dlq_letters TO ${both}`);
    await q(`GRANT SELECT, INSERT ON dlq_edits, dlq_audit, dlq_plans, dlq_plan_items TO ${both}`);
    await q(`GRANT USAGE ON SEQUENCE dlq_edits_id_seq, dlq_audit_id_seq TO ${both}`);
    // Only the sidecar ingests: it creates records, letters and groups.
    await q(`GRANT INSERT ON dlq_records, dlq_letters, dlq_groups TO orders_dlq_sidecar`);
    await q(`GRANT USAGE ON SEQUENCE dlq_records_id_seq, dlq_letters_id_seq TO orders_dlq_sidecar`);
  }

  async down(): Promise<void> {
    throw new Error(
      'FailedOrderRecords1768089600000 cannot be undone: the scan-era tables held no data worth restoring, and dropping the records would lose failed orders',
    );
  }
}
