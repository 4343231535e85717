import { Logger } from '@nestjs/common';
import { AlertChannel } from './alert.channel';
import { DeadLetterAlert } from '../dead-letter.alert';

/** The alert as one structured log line: searchable, and the last resort when webhooks fail. */
export class LogChannel implements AlertChannel {
  readonly name = 'log';
  private readonly logger = new Logger(LogChannel.name);

  async send(alert: DeadLetterAlert): Promise<void> {
    const { title, ...fields } = alert;
    if (alert.kind === 'resolved') {
      this.logger.log({ msg: title, event: 'dead_letter_alert', ...fields });
    } else {
      this.logger.warn({ msg: title, event: 'dead_letter_alert', ...fields });
    }
  }
}
