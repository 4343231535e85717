import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders belong to the API client that placed them. Rows stored before this migration have no
 * known client and keep NULL: no client can read them through the API (fail closed). An operator
 * who knows the owners can fill them in with an UPDATE.
 */
export class AddOrderClient1767744000000 implements MigrationInterface {
  name = 'AddOrderClient1767744000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Nullable without a default: PostgreSQL adds the column without rewriting the table.
    await queryRunner.query(`ALTER TABLE orders ADD COLUMN client_id varchar(64)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orders DROP COLUMN client_id`);
  }
}
