import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrders1764441600000 implements MigrationInterface {
  name = 'CreateOrders1764441600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orders (
        order_id       uuid PRIMARY KEY,
        customer_id    varchar(64) NOT NULL CHECK (length(customer_id) BETWEEN 1 AND 64),
        currency       char(3) NOT NULL,
        total_cents    bigint NOT NULL CHECK (total_cents >= 0),
        accepted_at    timestamptz NOT NULL,
        stored_at      timestamptz NOT NULL DEFAULT now(),
        correlation_id varchar(128)
      )`);
    await queryRunner.query(`
      CREATE TABLE order_items (
        order_id         uuid NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
        line_no          smallint NOT NULL CHECK (line_no >= 0),
        sku              varchar(64) NOT NULL,
        quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
        unit_price_cents bigint NOT NULL CHECK (unit_price_cents BETWEEN 0 AND 100000000),
        PRIMARY KEY (order_id, line_no)
      )`);
    await queryRunner.query(
      `CREATE INDEX orders_customer_accepted_idx ON orders (customer_id, accepted_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE order_items`);
    await queryRunner.query(`DROP TABLE orders`);
  }
}
