import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamicModule, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { createSqsClient } from '@orders/messaging';
import { LazyDataSource } from '@orders/persistence';

/**
 * What the sidecar and the CLI share: config, the SQS client, the (lazy) database. It closes the
 * pool and the SQS sockets last, after every shutdown hook that may still use them.
 */
@Global()
@Module({})
export class SidecarCoreModule implements OnApplicationShutdown {
  constructor(
    private readonly database: LazyDataSource,
    private readonly sqs: SQSClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close().catch(() => undefined);
    this.sqs.destroy();
  }

  static register(config: DlqSidecarConfig, applicationName: string): DynamicModule {
    // The intake long-polls: the request timeout covers that on top of the usual budget.
    const sqs = createSqsClient({
      region: config.AWS_REGION,
      endpoint: config.SQS_ENDPOINT,
      requestTimeoutMs: config.SQS_REQUEST_TIMEOUT_MS + config.DLQ_WAIT_TIME_SECONDS * 1000,
    });
    const database = new LazyDataSource(
      config.databaseConnection(`${applicationName} ${config.INSTANCE_ID}`),
    );
    return {
      module: SidecarCoreModule,
      providers: [
        { provide: DlqSidecarConfig, useValue: config },
        { provide: SQSClient, useValue: sqs },
        { provide: LazyDataSource, useValue: database },
      ],
      exports: [DlqSidecarConfig, SQSClient, LazyDataSource],
    };
  }
}
