// The seed's "before" architecture, kept only to compare against: the same contract validation as
// the gateway, but each request writes its order to PostgreSQL before it is answered.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DatabaseConfig, loadConfig } from '@orders/config';
import { CoupledModule } from './coupled.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig(DatabaseConfig);
  const app = await NestFactory.create<NestFastifyApplication>(
    CoupledModule.register(config),
    new FastifyAdapter(),
    { logger: ['error'] },
  );
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
}

void bootstrap();
