// The ceiling: a bare Nest 11 + Fastify app with one POST route that does nothing. No validation,
// no queue, no database; whatever the gateway costs beyond this is the gateway's own work.
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class NoopController {
  @Post('orders')
  @HttpCode(202)
  accept(@Body() body: unknown): { accepted: boolean } {
    return { accepted: body !== undefined };
  }

  @Get('health/ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [NoopController] })
class NoopModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(NoopModule, new FastifyAdapter(), {
    logger: ['error'],
  });
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
}

void bootstrap();
