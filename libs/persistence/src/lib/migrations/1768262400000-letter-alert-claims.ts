import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts are claimed per letter (`dlq_letters.alerted`), no longer by a high-water mark per group
 * (`dlq_groups.alerted_through`): letter ids are taken before commit, so a letter committed after
 * a claim had moved the mark past a higher id was never alerted. `UPDATE … WHERE NOT alerted`
 * hands each letter to exactly one claim, whenever it commits.
 */
export class LetterAlertClaims1768262400000 implements MigrationInterface {
  name = 'LetterAlertClaims1768262400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    // Added as true (no table rewrite), then the letters past the old mark become unalerted.
    await q(`ALTER TABLE dlq_letters ADD COLUMN alerted boolean NOT NULL DEFAULT true`);
    await q(`
      UPDATE dlq_letters l SET alerted = false FROM dlq_groups g
       WHERE g.dlq_name = l.dlq_name AND g.failure_code = l.failure_code AND l.id > g.alerted_through`);
    await q(`ALTER TABLE dlq_letters ALTER COLUMN alerted SET DEFAULT false`);
    await q(
      `CREATE INDEX dlq_letters_unalerted_idx ON dlq_letters (dlq_name, failure_code, recorded_at) WHERE NOT alerted`,
    );
    await q(`ALTER TABLE dlq_groups DROP COLUMN alerted_through`);
    // The sidecar claims letters; lifting a hold (operators too) marks the silenced ones.
    await q(`GRANT UPDATE (alerted) ON dlq_letters TO orders_dlq_sidecar, orders_dlq_operator`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE dlq_groups ADD COLUMN alerted_through bigint NOT NULL DEFAULT 0`);
    // The mark below the oldest unalerted letter: nothing unalerted is skipped.
    await q(`
      UPDATE dlq_groups g SET alerted_through = coalesce(
        (SELECT min(l.id) - 1 FROM dlq_letters l WHERE l.dlq_name = g.dlq_name AND l.failure_code = g.failure_code AND NOT l.alerted),
        (SELECT max(l.id) FROM dlq_letters l WHERE l.dlq_name = g.dlq_name AND l.failure_code = g.failure_code), 0)`);
    await q(`ALTER TABLE dlq_letters DROP COLUMN alerted`);
  }
}
