import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ConfigError } from './config.error';

/** A config class may add checks that span several keys (e.g. heartbeat < visibility). */
export interface CrossFieldChecks {
  crossFieldErrors(): string[];
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${message}`),
    ...flatten(error.children ?? []),
  ]);
}

/**
 * Builds and validates one app's config from environment variables, once, at start-up.
 * Every bad key is reported at once so an operator fixes them in one round.
 */
export function loadConfig<T extends object>(
  configClass: new () => T,
  env: NodeJS.ProcessEnv = process.env,
): T {
  // Empty strings count as unset, so `FOO=` in a manifest falls back to the default.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const config = plainToInstance(configClass, present, {
    enableImplicitConversion: false,
    exposeDefaultValues: true,
  });
  const problems = flatten(validateSync(config, { whitelist: false, forbidUnknownValues: true }));
  if (problems.length === 0 && 'crossFieldErrors' in config) {
    problems.push(...(config as unknown as CrossFieldChecks).crossFieldErrors());
  }
  if (problems.length > 0) {
    throw new ConfigError(configClass.name, problems);
  }
  return config;
}
