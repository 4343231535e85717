import { Logger, Module } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { IntakeModule } from '../intake/intake.module';
import { RecordsModule } from '../records/records.module';
import { AlertClaims } from './alert.claims';
import { AlertingJob } from './alerting.job';
import { ALERT_CHANNELS, AlertChannel } from './channels/alert.channel';
import { AlertDispatcher } from './channels/alert.dispatcher';
import { AlertmanagerChannel } from './channels/alertmanager.channel';
import { LogChannel } from './channels/log.channel';
import { SlackWebhookChannel } from './channels/slack-webhook.channel';

/** Every channel that is configured gets every alert. */
function alertChannelsOf(config: DlqSidecarConfig): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (config.ALERT_WEBHOOK_URL) {
    channels.push(new SlackWebhookChannel(config.ALERT_WEBHOOK_URL, config.ALERT_HTTP_TIMEOUT_MS));
  }
  if (config.ALERTMANAGER_URL) {
    channels.push(
      new AlertmanagerChannel({
        baseUrl: config.ALERTMANAGER_URL,
        severity: config.ALERT_SEVERITY,
        timeoutMs: config.ALERT_HTTP_TIMEOUT_MS,
        // As Prometheus does: a few missed re-posts before Alertmanager resolves on its own.
        firingTtlMs: config.ALERTMANAGER_RESEND_INTERVAL_MS * 4,
      }),
    );
  }
  if (config.ALERT_LOG) {
    channels.push(new LogChannel());
  }
  new Logger('AlertChannels').log({
    msg: 'alert channels',
    channels: channels.map((channel) => channel.name),
  });
  return channels;
}

@Module({
  imports: [RecordsModule, IntakeModule],
  providers: [
    { provide: ALERT_CHANNELS, inject: [DlqSidecarConfig], useFactory: alertChannelsOf },
    AlertDispatcher,
    AlertClaims,
    AlertingJob,
  ],
})
export class AlertingModule {}
