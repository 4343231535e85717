import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configRows, withConfigTable } from './config-table';

describe('README configuration table', () => {
  it('should describe every variable the config classes read', () => {
    const undocumented = configRows()
      .filter((row) => row.description.length === 0)
      .map((row) => row.key);

    expect(undocumented).toEqual([]);
  });

  it('should match the config classes (run `npm run docs:config` after changing them)', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');

    expect(readme).toBe(withConfigTable(readme));
  });

  it('should mark the keys without defaults as required', () => {
    const required = configRows()
      .filter((row) => row.required)
      .map((row) => row.key)
      .sort();

    expect(required).toEqual(['DATABASE_URL', 'ORDERS_DLQ_URL', 'ORDERS_QUEUE_URL']);
  });
});
