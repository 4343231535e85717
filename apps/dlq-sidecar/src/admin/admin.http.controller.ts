import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DlqOperationsService } from '../operations/dlq-operations.service';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AdminExceptionFilter } from './admin-exception.filter';
import { filterOf, flag, positiveInt } from './admin-request';

type Json = Record<string, unknown> | undefined;

/** The CLI's commands over HTTP, for tooling; only mounted when ADMIN_API_KEY_SHA256 is set. */
@Controller('admin/dlq')
@UseGuards(AdminApiKeyGuard)
@UseFilters(AdminExceptionFilter)
export class AdminHttpController {
  constructor(private readonly operations: DlqOperationsService) {}

  @Get()
  list(@Query() query: Json) {
    return this.operations.list(filterOf(query), positiveInt(query?.limit, 'limit') ?? 50);
  }

  @Get('audit')
  audit(@Query() query: Json) {
    return this.operations.auditTrail(positiveInt(query?.limit, 'limit') ?? 20);
  }

  @Get('messages/:id')
  show(@Param('id') id: string) {
    return this.operations.show(id);
  }

  @Post('redrive')
  @HttpCode(200)
  redrive(@Body() body: Json, @Req() request: FastifyRequest) {
    return this.operations.redrive({
      filter: filterOf(body),
      dryRun: flag(body?.dryRun),
      ratePerSecond: positiveInt(body?.rate, 'rate'),
      actor: actorOf(body, request),
      via: 'http',
    });
  }

  @Post('purge')
  @HttpCode(200)
  purge(@Body() body: Json, @Req() request: FastifyRequest) {
    return this.operations.purge({
      filter: filterOf(body),
      confirm: flag(body?.confirm) === true,
      actor: actorOf(body, request),
      via: 'http',
    });
  }
}

function actorOf(body: Json, request: FastifyRequest): string {
  const named =
    typeof body?.actor === 'string' && body.actor.trim()
      ? body.actor.trim().slice(0, 100)
      : 'admin-api';
  return `${named} (api key, ${request.ip})`;
}
