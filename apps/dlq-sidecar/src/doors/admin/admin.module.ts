import { Module } from '@nestjs/common';
import { OperationsModule } from '../../operations/operations.module';
import { DoorRequests } from '../door-requests';
import { IdentityModule } from '../identity/identity.module';
import { AdminHttpController } from './admin.http.controller';

@Module({
  imports: [OperationsModule, IdentityModule],
  controllers: [AdminHttpController],
  providers: [DoorRequests],
})
export class AdminModule {}
