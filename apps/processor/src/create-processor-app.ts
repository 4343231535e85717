import { NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ProcessorConfig } from '@orders/config';
import { AppModule } from './app.module';
import { OrderMessageRouter } from './consumer/order-message.router';

/**
 * The processor as main.ts and the specs run it: HTTP only for health and metrics; the SQS
 * consumers of @ssut/nestjs-sqs start with the modules, and receive only once the app has
 * bootstrapped, when the router knows every message handler.
 */
export async function createProcessorApp(
  config: ProcessorConfig,
  options: NestApplicationOptions,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    new FastifyAdapter(),
    options,
  );
  app.connectMicroservice({ strategy: app.get(OrderMessageRouter) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  return app;
}
