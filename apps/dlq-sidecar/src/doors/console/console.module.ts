import { Module } from '@nestjs/common';
import { OperationsModule } from '../../operations/operations.module';
import { IdentityModule } from '../identity/identity.module';
import { ConsoleHttpHooks } from './console-http.hooks';
import { ConsolePages } from './console-pages';
import { ConsoleSignIn } from './console-sign-in';
import { ConsoleViews } from './console-views';
import { ConsoleHttpController } from './console.http.controller';

/** The browser console at /console, served by the sidecar itself (no CDN, no build step). */
@Module({
  imports: [IdentityModule, OperationsModule],
  controllers: [ConsoleHttpController],
  providers: [ConsoleHttpHooks, ConsolePages, ConsoleSignIn, ConsoleViews],
})
export class ConsoleModule {}
