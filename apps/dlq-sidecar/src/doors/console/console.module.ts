import { Module } from '@nestjs/common';
import { OperationsModule } from '../../operations/operations.module';
import { DoorRequests } from '../door-requests';
import { IdentityModule } from '../identity/identity.module';
import { ConsoleActions } from './console-actions';
import { ConsoleActionsHttpController } from './console-actions.http.controller';
import { ConsoleHttpHooks } from './console-http.hooks';
import { ConsolePages } from './console-pages';
import { ConsoleSignIn } from './console-sign-in';
import { ConsoleViews } from './console-views';
import { ConsoleHttpController } from './console.http.controller';

/** The browser console at /console, served by the sidecar itself (no CDN, no build step). */
@Module({
  imports: [IdentityModule, OperationsModule],
  controllers: [ConsoleHttpController, ConsoleActionsHttpController],
  providers: [
    DoorRequests,
    ConsoleHttpHooks,
    ConsolePages,
    ConsoleSignIn,
    ConsoleViews,
    ConsoleActions,
  ],
})
export class ConsoleModule {}
