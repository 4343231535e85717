import { tracing } from './tracing';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, dlqCliEnvironment, DlqSidecarConfig, loadConfig } from '@orders/config';
import { JsonLogger } from '@orders/observability';
import { hostname, userInfo } from 'node:os';
import pino from 'pino';
import { CliCommand, parseCommand, USAGE, wantsJson } from './doors/cli/cli.command';
import { fail, note, out, runCommand } from './doors/cli/cli.runner';
import { DoorRequests } from './doors/door-requests';
import { EXIT } from './doors/error-answers';
import { OperationsModule } from './operations/operations.module';
import { terminalJson } from './records/display-text';
import { SidecarCoreModule } from './sidecar-core.module';

/** `npm run dlq -- <command>` locally, `node cli.js <command>` in a container. */
async function main(argv: string[]): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCommand(argv);
  } catch (error) {
    return fail(error, wantsJson(argv), USAGE);
  }
  if (command.name === 'help') {
    out(USAGE);
    return EXIT.ok;
  }

  const { env, localDefaults } = dlqCliEnvironment();
  let config: DlqSidecarConfig;
  try {
    config = loadConfig(DlqSidecarConfig, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    if (command.json) {
      out(terminalJson({ error: { code: 'CONFIG', message: error.message } }));
    } else {
      note(error.message);
    }
    return EXIT.usage;
  }
  if (localDefaults.length > 0) {
    note(
      `(local stack defaults for ${localDefaults.join(', ')}; set them, or NODE_ENV=production, to use other queues)`,
    );
  }
  // Results go to stdout; logs, quietly, to stderr.
  const level =
    config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? config.LOG_LEVEL : 'warn';
  const logger = new JsonLogger('dlq-cli', level, pino.destination({ fd: 2, sync: true }));
  const app = await NestFactory.createApplicationContext(
    {
      module: class CliModule {},
      imports: [SidecarCoreModule.register(config, 'orders-dlq-cli'), OperationsModule],
      providers: [DoorRequests],
    },
    { logger, abortOnError: false },
  );

  // First Ctrl-C: finish the chunk in hand and stop (a plan resumes where it stopped). Second: leave now.
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) {
      process.exit(130);
    }
    note('stopping after the current chunk (Ctrl-C again to quit at once)');
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runCommand(app.get(DoorRequests), command, {
      actor: `${safeUser()}@${hostname()}`,
      signal: interrupt.signal,
    });
  } finally {
    await app.close();
    await tracing?.shutdown();
    logger.flush();
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    // Containers running as a numeric uid without a passwd entry.
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = EXIT.failed;
  })
  .finally(() => {
    // Keep-alive sockets must not hold the process open after the answer.
    setTimeout(() => process.exit(), 2000).unref();
  });
