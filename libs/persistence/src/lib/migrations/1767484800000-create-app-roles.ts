import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One group role per job, each with what that job needs and no more (docs/database-topologies.md
 * says how login users join them). Roles belong to the whole server, so creating them tolerates
 * their existence (another database of the same server, or a setup that created them first).
 * The audit log becomes append-only: a run's progress is a new row in dlq_audit_events instead
 * of an UPDATE (the view dlq_audit_runs shows each run's latest state), so no role can rewrite history.
 */
export class CreateAppRoles1767484800000 implements MigrationInterface {
  name = 'CreateAppRoles1767484800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dlq_audit_events (
        id         bigserial PRIMARY KEY,
        audit_id   bigint NOT NULL REFERENCES dlq_audit_log (id),
        status     varchar(16) NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
        examined   integer NOT NULL,
        matched    integer NOT NULL,
        succeeded  integer NOT NULL,
        failed     integer NOT NULL,
        order_ids  text[] NOT NULL,
        error      text,
        at         timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX dlq_audit_events_latest_idx ON dlq_audit_events (audit_id, id DESC)`,
    );
    await queryRunner.query(`
      CREATE VIEW dlq_audit_runs AS
      SELECT run.id, run.dlq_name, run.action, run.actor, run.via, run.filter, run.rate_per_second,
             run.started_at, coalesce(event.status, run.status) AS status,
             coalesce(event.examined, run.examined) AS examined,
             coalesce(event.matched, run.matched) AS matched,
             coalesce(event.succeeded, run.succeeded) AS succeeded,
             coalesce(event.failed, run.failed) AS failed,
             coalesce(event.order_ids, run.order_ids) AS order_ids, event.error,
             run.order_before, run.order_after,
             coalesce(event.at, run.updated_at) AS updated_at,
             CASE WHEN event.status <> 'running' THEN event.at END AS finished_at
        FROM dlq_audit_log run
        LEFT JOIN LATERAL (
          SELECT * FROM dlq_audit_events e WHERE e.audit_id = run.id ORDER BY e.id DESC LIMIT 1
        ) event ON true`);
    for (const role of APP_ROLES) {
      await queryRunner.query(`
        DO $$ BEGIN
          CREATE ROLE ${role} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$`);
    }
    await queryRunner.query(`GRANT SELECT ON orders, order_items TO orders_gateway`);
    // RETURNING order_id needs SELECT on that column, and on nothing else.
    await queryRunner.query(`GRANT INSERT ON orders, order_items TO orders_processor`);
    await queryRunner.query(`GRANT SELECT (order_id) ON orders TO orders_processor`);
    await queryRunner.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON dlq_dead_letters, dlq_alert_groups TO orders_dlq_sidecar`,
    );
    // The watcher's leader lease; operator runs read its scan mark to know what the watcher hides.
    await queryRunner.query(
      `GRANT SELECT, INSERT, UPDATE ON dlq_leader_lease TO orders_dlq_sidecar`,
    );
    await queryRunner.query(`GRANT SELECT ON dlq_leader_lease TO orders_dlq_operator`);
    // Sidecar (admin API) and operator Jobs (CLI) both redrive and read the history; neither may
    // change or remove what is written.
    await queryRunner.query(
      `GRANT SELECT, INSERT ON dlq_audit_log, dlq_audit_events TO orders_dlq_sidecar, orders_dlq_operator`,
    );
    await queryRunner.query(
      `GRANT SELECT ON dlq_audit_runs TO orders_dlq_sidecar, orders_dlq_operator`,
    );
    await queryRunner.query(
      `GRANT USAGE ON SEQUENCE dlq_audit_log_id_seq, dlq_audit_events_id_seq TO orders_dlq_sidecar, orders_dlq_operator`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The roles stay: other databases on the same server may use them.
    for (const role of APP_ROLES) {
      await queryRunner.query(`
        DO $$ BEGIN
          EXECUTE 'REVOKE ALL ON orders, order_items, dlq_dead_letters, dlq_alert_groups, dlq_audit_log, dlq_leader_lease FROM ${role}';
          EXECUTE 'REVOKE ALL ON SEQUENCE dlq_audit_log_id_seq FROM ${role}';
        EXCEPTION WHEN undefined_object THEN NULL;
        END $$`);
    }
    await queryRunner.query(`DROP VIEW dlq_audit_runs`);
    await queryRunner.query(`DROP TABLE dlq_audit_events`);
  }
}

const APP_ROLES = [
  'orders_gateway',
  'orders_processor',
  'orders_dlq_sidecar',
  'orders_dlq_operator',
];
