import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staged redrive (1, then a few, then the rest, pausing by itself when orders fail again): the
 * plan keeps its stage sizes, the stage it is in and why it paused; each item keeps the stage that
 * sent it. Everything lives in the plan's rows, so any replica can resume a plan another started.
 */
export class StagedRedrive1768176000000 implements MigrationInterface {
  name = 'StagedRedrive1768176000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE dlq_plans DROP CONSTRAINT dlq_plans_state_check`);
    await q(`
      ALTER TABLE dlq_plans
        ADD CONSTRAINT dlq_plans_state_check CHECK (state IN ('planned', 'applying', 'paused', 'done', 'cancelled')),
        ADD COLUMN stages integer[],
        ADD COLUMN stage integer NOT NULL DEFAULT 0,
        ADD COLUMN rate integer,
        ADD COLUMN paused_reason text`);
    await q(`ALTER TABLE dlq_plan_items ADD COLUMN stage integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`UPDATE dlq_plans SET state = 'cancelled' WHERE state = 'paused'`);
    await q(`ALTER TABLE dlq_plan_items DROP COLUMN stage`);
    await q(`
      ALTER TABLE dlq_plans DROP CONSTRAINT dlq_plans_state_check,
        DROP COLUMN stages, DROP COLUMN stage, DROP COLUMN rate, DROP COLUMN paused_reason,
        ADD CONSTRAINT dlq_plans_state_check CHECK (state IN ('planned', 'applying', 'done', 'cancelled'))`);
  }
}
