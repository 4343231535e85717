import {
  Body,
  Controller,
  Get,
  Header,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdentityGuard } from '../identity/identity.guard';
import { Requires } from '../identity/requires.decorator';
import { RequestInput } from '../request';
import { ConsoleActions, ConsoleAnswer } from './console-actions';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ACTIONS_STYLES, EDIT_CHECK_SCRIPT, PLAN_LIVE_SCRIPT } from './console-actions.assets';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const assetRoute = (path: string) => path.replace(/^\/console\//, '');

/** The console's actions: redrive plans (staged or all at a rate), edit & retry, discard and restore. */
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleActionsHttpController {
  constructor(private readonly actions: ConsoleActions) {}

  @Get(assetRoute(PLAN_LIVE_SCRIPT.path))
  @Header('content-type', PLAN_LIVE_SCRIPT.type)
  @Header('cache-control', IMMUTABLE)
  planLiveScript() {
    return PLAN_LIVE_SCRIPT.text;
  }

  @Get(assetRoute(EDIT_CHECK_SCRIPT.path))
  @Header('content-type', EDIT_CHECK_SCRIPT.type)
  @Header('cache-control', IMMUTABLE)
  editCheckScript() {
    return EDIT_CHECK_SCRIPT.text;
  }

  @Get(assetRoute(ACTIONS_STYLES.path))
  @Header('content-type', ACTIONS_STYLES.type)
  @Header('cache-control', IMMUTABLE)
  styles() {
    return ACTIONS_STYLES.text;
  }

  @Post('plans')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.redrive')
  async plan(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: RequestInput = {},
  ) {
    send(reply, await this.actions.plan(request, body));
  }

  @Get('plans')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.read')
  async plans(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    send(reply, await this.actions.plans(request));
  }

  @Get('plans/:id')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.read')
  async planView(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query() query: RequestInput = {},
  ) {
    send(reply, await this.actions.planView(request, id, query));
  }

  @Post('plans/:id/apply')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.redrive')
  async apply(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: RequestInput = {},
  ) {
    send(reply, await this.actions.apply(request, id, body));
  }

  @Post('plans/:id/cancel')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.redrive')
  async cancel(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
  ) {
    send(reply, await this.actions.cancel(request, id));
  }

  @Get('orders/:key/edit')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.read')
  async editForm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('key') key: string,
  ) {
    send(reply, await this.actions.editForm(request, key));
  }

  @Post('orders/:key/edit')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.edit')
  async edit(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('key') key: string,
    @Body() body: RequestInput = {},
  ) {
    send(reply, await this.actions.edit(request, key, body));
  }

  @Post('discard')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.discard')
  async discard(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: RequestInput = {},
  ) {
    send(reply, await this.actions.discardOrRestore(request, 'discard', body));
  }

  @Post('restore')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.discard')
  async restore(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: RequestInput = {},
  ) {
    send(reply, await this.actions.discardOrRestore(request, 'restore', body));
  }
}

function send(reply: FastifyReply, answer: ConsoleAnswer): void {
  if ('redirect' in answer) {
    void reply.status(303).header('location', answer.redirect).send();
    return;
  }
  void reply
    .status(answer.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(answer.page);
}
