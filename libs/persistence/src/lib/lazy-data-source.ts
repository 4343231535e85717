import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * A DataSource that connects on first use instead of at boot, and retries on the next use when
 * that fails. Apps therefore start (and the gateway keeps accepting orders) while PostgreSQL is down.
 */
export class LazyDataSource {
  readonly dataSource: DataSource;
  private connecting: Promise<DataSource> | undefined;

  constructor(options: DataSourceOptions) {
    this.dataSource = new DataSource(options);
  }

  get(): Promise<DataSource> {
    if (this.dataSource.isInitialized) {
      return Promise.resolve(this.dataSource);
    }
    this.connecting ??= this.dataSource.initialize().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  async close(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    if (this.dataSource.isInitialized) {
      await this.dataSource.destroy();
    }
  }
}
