import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { GatewayConfig } from '@orders/config';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * On SIGTERM readiness fails first, so load balancers stop sending new requests, and only then does
 * Nest close the server (which lets in-flight requests finish).
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(private readonly config: GatewayConfig) {}

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    await sleep(this.config.SHUTDOWN_READINESS_DELAY_MS);
  }
}
