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
import { OperationsErrorCode, OperationsException } from '../../operations/operations.exception';
import { actorOf as identityActorOf } from '../identity/identity';
import { identityOf } from '../identity/identified-request';
import { IdentityGuard } from '../identity/identity.guard';
import { Requires } from '../identity/requires.decorator';
import { filterOf, flagOf, limitOf, orderOf, rateOf, RequestInput } from '../request';
import { AdminExceptionFilter } from './admin-exception.filter';

/** The CLI's commands over HTTP, for tooling and the console; each checked against the caller's role. */
@Controller('admin/dlq')
@UseGuards(IdentityGuard)
@UseFilters(AdminExceptionFilter)
export class AdminHttpController {
  constructor(private readonly ops: DlqOperations) {}

  @Get()
  @Requires('failed-orders.read')
  list(@Query() query: RequestInput = {}) {
    return list(this.ops, filterOf(query), limitOf(query, 50));
  }

  @Get('audit')
  @Requires('failed-orders.read')
  audit(@Query() query: RequestInput = {}) {
    return this.ops.auditTrail(limitOf(query, 20));
  }

  @Get('messages/:id')
  @Requires('failed-orders.read')
  show(@Param('id') id: string) {
    return show(this.ops, id);
  }

  @Post('messages/:id/edit')
  @Requires('failed-orders.edit')
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
  @Requires('failed-orders.redrive')
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
  @Requires('failed-orders.purge')
  @HttpCode(200)
  purge(@Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return purge(this.ops, {
      filter: filterOf(body),
      confirm: flagOf(body, 'confirm'),
      ...by(body, request),
    });
  }
}

// The audit names the verified caller; a name in the body would be a claim nobody checked.
function by(body: RequestInput, request: FastifyRequest) {
  if (body.actor !== undefined) {
    throw new OperationsException(
      OperationsErrorCode.InvalidRequest,
      'actor is not accepted: the audit log names the verified caller (your API key or sign-in)',
    );
  }
  return { actor: identityActorOf(identityOf(request)), via: 'http' as const };
}
