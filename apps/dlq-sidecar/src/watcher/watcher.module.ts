import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { DlqWatcher } from './dlq.watcher';
import { LeaderElection } from './leader.election';

@Module({
  imports: [AlertsModule],
  providers: [LeaderElection, DlqWatcher],
  exports: [DlqWatcher],
})
export class WatcherModule {}
