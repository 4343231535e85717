import { Module } from '@nestjs/common';
import { OperationsModule } from '../../operations/operations.module';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AdminHttpController } from './admin.http.controller';

@Module({
  imports: [OperationsModule],
  controllers: [AdminHttpController],
  providers: [AdminApiKeyGuard],
})
export class AdminModule {}
