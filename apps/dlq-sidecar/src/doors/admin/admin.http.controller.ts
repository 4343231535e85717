import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Actor } from '../../operations/operations.exception';
import { DoorRequests } from '../door-requests';
import { changeFilterOf, FILTER_FIELDS, invalid, RequestInput } from '../request';
import { actorOf as identityActorOf } from '../identity/identity';
import { identityOf } from '../identity/identified-request';
import { IdentityGuard } from '../identity/identity.guard';
import { Requires } from '../identity/requires.decorator';
import { AdminExceptionFilter } from './admin-exception.filter';
import { CustomerMaskInterceptor } from './customer-mask.interceptor';

const Filtered = () =>
  applyDecorators(
    ...[...FILTER_FIELDS, 'ids'].map((name) => ApiQuery({ name, required: false, type: String })),
  );
const Paged = () =>
  applyDecorators(
    ApiQuery({ name: 'limit', required: false, type: Number, description: '1 to 1000 (50)' }),
    ApiQuery({
      name: 'cursor',
      required: false,
      type: String,
      description: 'nextCursor of the previous page',
    }),
  );

/**
 * The CLI's operations over HTTP, for tooling and the console, each checked against the caller's
 * role. Bodies of changes take the same filter fields as the queries. The audit names the verified
 * caller. A reader gets customer ids masked. Errors: {statusCode, error, code, message, fields?}.
 */
@ApiTags('failed orders')
@ApiBearerAuth()
@Controller('admin/dlq')
@UseGuards(IdentityGuard)
@UseFilters(AdminExceptionFilter)
@UseInterceptors(CustomerMaskInterceptor)
export class AdminHttpController {
  constructor(private readonly doors: DoorRequests) {}

  @Get('records')
  @Requires('failed-orders.read')
  @ApiOperation({ summary: 'Records, newest failure first: {total (exact), items, nextCursor}' })
  @Filtered()
  @Paged()
  list(@Query() query: RequestInput = {}) {
    return this.doors.list(query);
  }

  @Get('groups')
  @Requires('failed-orders.read')
  @ApiOperation({ summary: 'Records per failure code, with the triage state' })
  @Filtered()
  groups(@Query() query: RequestInput = {}) {
    return this.doors.groups(query);
  }

  @Get('records/:id')
  @Requires('failed-orders.read')
  @ApiOperation({
    summary:
      'Every record a record id, order id or message id names: body, attempts (letters as received), edits, audit',
  })
  show(@Param('id') id: string) {
    return this.doors.read.show(id);
  }

  @Get('records/:id/order')
  @Requires('failed-orders.read')
  @ApiOperation({ summary: "The open record's order, to correct" })
  editable(@Param('id') id: string) {
    return this.doors.editing.editable(id);
  }

  @Post('records/:id/edit')
  @Requires('failed-orders.edit')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Body {order, dryRun?}: validate, keep the edit (diff), retry as a plan of one',
  })
  edit(@Param('id') id: string, @Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return this.doors.edit(id, body, by(body, request));
  }

  @Post('plans')
  @Requires('failed-orders.redrive')
  @ApiOperation({
    summary:
      'Dry run of a redrive: freezes the records a filter, ids or all name; {plan, withoutOrderId, sample}',
  })
  plan(@Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return this.doors.plan(changeFilterOf(body, 'a plan'), by(body, request));
  }

  @Get('plans/:id')
  @Requires('failed-orders.read')
  @ApiOperation({
    summary: 'Progress and outcome per record (stored, failed_again, pending, not_sent, skipped)',
  })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({
    name: 'after',
    required: false,
    type: String,
    description: 'last recordId of the previous page',
  })
  status(@Param('id') id: string, @Query() query: RequestInput = {}) {
    return this.doors.status(id, query);
  }

  @Post('plans/:id/apply')
  @Requires('failed-orders.redrive')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Body {rate?, staged?, stages?}: applies the plan in the background; follow GET plans/:id. Staged (stages "1,10", or staged: true for REDRIVE_STAGES): one order, then ten, then the rest, waiting after each stage for every outcome and pausing (state paused, pausedReason) when any failed again; apply again to resume with the next stage. A paused plan is resumed; stages [] sends its rest at once',
  })
  apply(@Param('id') id: string, @Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return this.doors.start(id, by(body, request), body);
  }

  @Post('plans/:id/cancel')
  @Requires('failed-orders.redrive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stops a planned, applying or paused plan (between two chunks)' })
  cancel(@Param('id') id: string, @Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return this.doors.redrive.cancel(id, by(body, request));
  }

  @Post('discard')
  @Requires('failed-orders.discard')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Soft discard; more than one record needs {count} equal to how many match',
  })
  discard(@Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return this.doors.discard(body, by(body, request));
  }

  @Post('restore')
  @Requires('failed-orders.discard')
  @HttpCode(200)
  restore(@Body() body: RequestInput = {}, @Req() request: FastifyRequest) {
    return this.doors.restore(body, by(body, request));
  }

  @Put('groups/:code/triage')
  @Requires('failed-orders.triage')
  @ApiOperation({ summary: 'Body {owner?, note?, onHold?}' })
  triage(
    @Param('code') code: string,
    @Body() body: RequestInput = {},
    @Req() request: FastifyRequest,
  ) {
    return this.doors.triage(code, body, by(body, request));
  }

  @Get('audit')
  @Requires('failed-orders.read')
  @ApiQuery({ name: 'limit', required: false, type: Number })
  audit(@Query() query: RequestInput = {}) {
    return this.doors.audit(query);
  }
}

// The audit names the verified caller; a name in the body would be a claim nobody checked.
function by(body: RequestInput, request: FastifyRequest): Actor {
  if (body.actor !== undefined) {
    throw invalid(
      'actor is not accepted: the audit log names the verified caller (your API key or sign-in)',
    );
  }
  return { actor: identityActorOf(identityOf(request)), via: 'http' };
}
