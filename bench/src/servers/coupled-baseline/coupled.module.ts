import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { DatabaseConfig } from '@orders/config';
import { CONTRACT_VALIDATION } from '@orders/contracts';
import { LazyDataSource, OrdersRepository } from '@orders/persistence';
import { CoupledOrdersController } from './coupled-orders.controller';

@Module({})
export class CoupledModule {
  static register(config: DatabaseConfig): DynamicModule {
    // The same repository (one transaction, multi-row insert) the processor writes with.
    const database = new LazyDataSource(config.databaseConnection('bench-coupled-baseline'));
    return {
      module: CoupledModule,
      controllers: [CoupledOrdersController],
      providers: [
        { provide: LazyDataSource, useValue: database },
        { provide: OrdersRepository, useValue: new OrdersRepository(database) },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({ ...CONTRACT_VALIDATION, transform: true }),
        },
      ],
    };
  }
}
