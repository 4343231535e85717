import { Module } from '@nestjs/common';
import { OperationsModule } from '../../operations/operations.module';
import { IdentityModule } from '../identity/identity.module';
import { AdminHttpController } from './admin.http.controller';

@Module({
  imports: [OperationsModule, IdentityModule],
  controllers: [AdminHttpController],
})
export class AdminModule {}
