export class ConfigError extends Error {
  constructor(
    readonly configName: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration (${configName}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}
