import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DlqSidecarConfig, loadConfig } from '@orders/config';
import { databaseUrlAs, QueuePair } from '@orders/testing';
import { createSidecarApp } from '../src/create-sidecar-app';
import { Discard } from '../src/operations/discard';
import { EditAndRetry } from '../src/operations/edit';
import { ReadRecords } from '../src/operations/read';
import { Redrive } from '../src/operations/redrive';
import { Triage } from '../src/operations/triage';
import { baseEnv } from './processes';

/** Quick settings: short long polls and alert rounds, so specs wait for outcomes, not for defaults. */
export function sidecarEnv(
  queues: QueuePair,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    ...baseEnv(queues),
    DATABASE_URL: databaseUrlAs('dlq-sidecar'),
    DLQ_WAIT_TIME_SECONDS: '1',
    DLQ_POLL_INTERVAL_MS: '200',
    ALERT_GROUP_WINDOW_MS: '300',
    ALERT_LOG: 'false',
    ALERT_CUSTOMER_MASK_SECRET: 'spec-secret-0123456789',
    ...env,
  };
}

/** A sidecar replica in this process, as main.ts builds it (intake and alerting running). */
export async function startSidecar(env: Record<string, string>): Promise<NestFastifyApplication> {
  const app = await createSidecarApp(loadConfig(DlqSidecarConfig, env), false);
  await app.init();
  return app;
}

export function useCases(app: NestFastifyApplication) {
  return {
    read: app.get(ReadRecords),
    redrive: app.get(Redrive),
    edit: app.get(EditAndRetry),
    discard: app.get(Discard),
    triage: app.get(Triage),
  };
}
