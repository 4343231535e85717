import {
  Controller,
  Get,
  Header,
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
import { ConsolePages } from './console-pages';
import { ConsoleSignIn } from './console-sign-in';
import { CONSOLE_CSS, CONSOLE_CSS_HASH } from './console.styles';
import { apiKeysPage } from './pages/api-keys.page';
import { overviewPage } from './pages/overview.page';
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

  @Get()
  @UseGuards(IdentityGuard)
  @Requires('signed-in')
  @Header('content-type', HTML)
  overview(@Req() request: FastifyRequest) {
    return this.pages.render(request, overviewPage);
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
