import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdentityGuard } from '../identity/identity.guard';
import { OperatorApiKeys } from '../identity/operator-api-keys';
import { Requires } from '../identity/requires.decorator';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { RequestInput } from '../request';
import { ConsolePages } from './console-pages';
import { ConsoleSignIn } from './console-sign-in';
import { ConsoleViews } from './console-views';
import { CONSOLE_JS, CONSOLE_JS_HASH } from './console.script';
import { CONSOLE_CSS, CONSOLE_CSS_HASH } from './console.styles';
import { apiKeysPage } from './pages/api-keys.page';
import { permissionsPage } from './pages/permissions.page';
import { signInPage } from './pages/sign-in.page';

const HTML = 'text/html; charset=utf-8';

/** The console's pages. Each signed-in page declares what it shows; IdentityGuard checks it. */
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleHttpController {
  constructor(
    private readonly config: DlqSidecarConfig,
    private readonly signIn: ConsoleSignIn,
    private readonly pages: ConsolePages,
    private readonly keys: OperatorApiKeys,
    private readonly views: ConsoleViews,
  ) {}

  // The ways in and out answer with their own redirects (and cookies): @Res() without passthrough.
  @Get('sign-in')
  signInPage(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('token') token?: string,
  ) {
    return token === undefined
      ? reply.type(HTML).send(signInPage(this.config.CONSOLE_SIGN_IN).text)
      : this.signIn.redeemToken(request, reply, token);
  }

  @Get('oidc/start')
  startOidc(@Res() reply: FastifyReply) {
    return this.signIn.startOidc(reply);
  }

  @Get('oidc/callback')
  finishOidc(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.signIn.finishOidc(request, reply);
  }

  @Post('sign-out')
  @UseGuards(IdentityGuard)
  @Requires('signed-in')
  signOut(@Res() reply: FastifyReply) {
    this.signIn.signOut(reply);
  }

  // The hash is in the path: a changed sheet is a new URL, so this one may be cached for good.
  @Get(`assets/console.${CONSOLE_CSS_HASH}.css`)
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=31536000, immutable')
  stylesheet() {
    return CONSOLE_CSS;
  }

  @Get(`assets/console.${CONSOLE_JS_HASH}.js`)
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=31536000, immutable')
  script() {
    return CONSOLE_JS;
  }

  @Get()
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.read')
  @Header('content-type', HTML)
  overview(@Req() request: FastifyRequest) {
    return this.views.overview(request);
  }

  @Get('groups')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.read')
  @Header('content-type', HTML)
  groups(@Req() request: FastifyRequest, @Query() query: RequestInput = {}) {
    return this.views.groups(request, query);
  }

  // Back to the groups after the change (a reload does not send the form again).
  @Post('groups/:code/triage')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.triage')
  async triage(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('code') code: string,
    @Body() body: RequestInput = {},
  ) {
    await this.views.triage(request, code, body);
    return reply.status(303).header('location', '/console/groups').send();
  }

  @Get('orders')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.read')
  @Header('content-type', HTML)
  orders(@Req() request: FastifyRequest, @Query() query: RequestInput = {}) {
    return this.views.orders(request, query);
  }

  // Reading an order's body is audited (it holds personal data).
  @Get('orders/:key')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.read')
  @Header('content-type', HTML)
  order(@Req() request: FastifyRequest, @Param('key') key: string) {
    return this.views.order(request, key);
  }

  // The answer is the page itself, with the ids shown: nothing revealed travels in a URL.
  @Post('orders/:key/reveal')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.reveal')
  @HttpCode(200)
  @Header('content-type', HTML)
  reveal(
    @Req() request: FastifyRequest,
    @Param('key') key: string,
    @Body() body: RequestInput = {},
  ) {
    return this.views.reveal(request, key, body);
  }

  @Get('audit')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.read')
  @Header('content-type', HTML)
  audit(@Req() request: FastifyRequest, @Query() query: RequestInput = {}) {
    return this.views.audit(request, query);
  }

  // Polled by the console's script for the counts on the page.
  @Get('live')
  @UseGuards(IdentityGuard)
  @Requires('failed-orders.read')
  live() {
    return this.views.live();
  }

  @Get('permissions')
  @UseGuards(IdentityGuard)
  @Requires('signed-in')
  @Header('content-type', HTML)
  permissions(@Req() request: FastifyRequest) {
    return this.pages.render(request, permissionsPage);
  }

  @Get('api-keys')
  @UseGuards(IdentityGuard)
  @Requires('api-keys.read')
  @Header('content-type', HTML)
  apiKeys(@Req() request: FastifyRequest) {
    return this.pages.render(request, (context) => apiKeysPage(context, this.keys.holders()));
  }
}
