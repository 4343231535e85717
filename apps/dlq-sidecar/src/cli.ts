import { tracing } from './tracing';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, dlqCliEnvironment, DlqSidecarConfig, loadConfig } from '@orders/config';
import { JsonLogger } from '@orders/observability';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import pino from 'pino';
import { answerOf, EXIT } from './doors/error-answers';
import { parseCommand, USAGE, wantsJson } from './doors/cli/cli.command';
import { CliIo, CliRunner } from './doors/cli/cli.runner';
import { Discard } from './operations/discard';
import { EditAndRetry } from './operations/edit';
import { OperationsModule } from './operations/operations.module';
import { ReadRecords } from './operations/read';
import { Redrive } from './operations/redrive';
import { Triage } from './operations/triage';
import { terminalJson } from './records/display-text';
import { SidecarCoreModule } from './sidecar-core.module';

const io: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  note: (text) => process.stderr.write(`${text}\n`),
  read: async (path) => readFileSync(path === '-' ? 0 : path, 'utf8'),
};

/** `npm run dlq -- <command>` locally, `node cli.js <command>` in a container. */
async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    const { code, message } = answerOf(error);
    if (wantsJson(argv)) {
      io.out(terminalJson({ error: { code, message } }));
    } else {
      io.note(`error: ${message}\n\n${USAGE}`);
    }
    return EXIT.usage;
  }
  if (command.name === 'help') {
    io.out(USAGE);
    return EXIT.ok;
  }

  const { env, localDefaults } = dlqCliEnvironment();
  let config: DlqSidecarConfig;
  try {
    config = loadConfig(DlqSidecarConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      if (command.json) {
        io.out(terminalJson({ error: { code: 'CONFIG', message: error.message } }));
      } else {
        io.note(error.message);
      }
      return EXIT.usage;
    }
    throw error;
  }
  if (localDefaults.length > 0) {
    io.note(
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
    },
    { logger, abortOnError: false },
  );

  // First Ctrl-C: finish the chunk in hand and stop (a plan resumes where it stopped). Second: leave now.
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) {
      process.exit(130);
    }
    io.note('stopping after the current chunk (Ctrl-C again to quit at once)');
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const runner = new CliRunner(
      {
        read: app.get(ReadRecords),
        redrive: app.get(Redrive),
        edit: app.get(EditAndRetry),
        discard: app.get(Discard),
        triage: app.get(Triage),
      },
      io,
    );
    return await runner.run(command, {
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
