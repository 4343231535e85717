import { STORED_TEXT_COLUMNS } from '@orders/contracts';
import { LazyDataSource } from './lazy-data-source';
import { runMigrations } from './run-migrations';

interface ColumnRow {
  table_name: string;
  column_name: string;
  character_maximum_length: number | null;
  data_type: string;
}

// The contract's column sizes decide what the gateway admits; the migrated schema decides what is
// stored. Read from the real database, so a migration that changes a size fails here.
describe('STORED_TEXT_COLUMNS against the migrated schema', () => {
  let database: LazyDataSource;

  beforeAll(async () => {
    database = new LazyDataSource({
      url: process.env.TEST_DATABASE_URL as string,
      poolSize: 2,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 10_000,
      applicationName: 'persistence-tests',
    });
    await runMigrations(await database.get());
  });

  afterAll(() => database.close());

  it('should give every client-supplied text column exactly the size the contract validates', async () => {
    const rows = (await database.dataSource.query(
      `SELECT table_name, column_name, character_maximum_length, data_type
         FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN ('orders', 'order_items')`,
    )) as ColumnRow[];
    const actual = Object.fromEntries(
      Object.entries(STORED_TEXT_COLUMNS).map(([field, { table, column }]) => {
        const row = rows.find((each) => each.table_name === table && each.column_name === column);
        return [
          field,
          row ? { table, column, maxLength: row.character_maximum_length } : 'missing',
        ];
      }),
    );

    expect(actual).toEqual(STORED_TEXT_COLUMNS);
  });

  it('should leave no other text column of the orders tables without a contract size', async () => {
    const rows = (await database.dataSource.query(
      `SELECT table_name, column_name, character_maximum_length, data_type
         FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN ('orders', 'order_items')
          AND data_type IN ('character varying', 'character', 'text')`,
    )) as ColumnRow[];
    const covered = Object.values(STORED_TEXT_COLUMNS).map(
      ({ table, column }) => `${table}.${column}`,
    );

    expect(rows.map((row) => `${row.table_name}.${row.column_name}`).sort()).toEqual(
      [...covered].sort(),
    );
  });
});
