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
import { DlqOperations } from '../../operations/dlq-operations';
import { editAndRetry } from '../../operations/edit';
import { list } from '../../operations/list';
import { purge } from '../../operations/purge';
import { redrive } from '../../operations/redrive';
import { show } from '../../operations/show';
import { actorOf, filterOf, flagOf, limitOf, orderOf, rateOf, RequestInput } from '../request';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AdminExceptionFilter } from './admin-exception.filter';

/** The CLI's commands over HTTP, for tooling; only mounted when ADMIN_API_KEY_SHA256 is set. */
@Controller('admin/dlq')
@UseGuards(AdminApiKeyGuard)
@UseFilters(AdminExceptionFilter)
export class AdminHttpController {
  constructor(private readonly ops: DlqOperations) {}

  @Get()
  list(@Query() query: RequestInput = {}) {
    return list(this.ops, filterOf(query), limitOf(query, 50));
  }

  @Get('audit')
  audit(@Query() query: RequestInput = {}) {
    return this.ops.auditTrail(limitOf(query, 20));
  }

  @Get('messages/:id')
  show(@Param('id') id: string) {
    return show(this.ops, id);
  }

  @Post('messages/:id/edit')
  @HttpCode(200)
  edit(@Param('id') id: string, @Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return editAndRetry(this.ops, {
      id,
      order: orderOf(body),
      dryRun: flagOf(body, 'dryRun'),
      ...by(body, request),
    });
  }

  @Post('redrive')
  @HttpCode(200)
  redrive(@Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return redrive(this.ops, {
      filter: filterOf(body),
      dryRun: flagOf(body, 'dryRun'),
      ratePerSecond: rateOf(body),
      ...by(body, request),
    });
  }

  @Post('purge')
  @HttpCode(200)
  purge(@Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return purge(this.ops, {
      filter: filterOf(body),
      confirm: flagOf(body, 'confirm'),
      ...by(body, request),
    });
  }
}

function by(body: RequestInput, request: FastifyRequest) {
  return {
    actor: `${actorOf(body) ?? 'admin-api'} (api key, ${request.ip})`,
    via: 'http' as const,
  };
}
