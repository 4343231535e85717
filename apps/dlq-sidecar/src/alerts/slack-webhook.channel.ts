import { AlertChannel, postJson } from './alert.channel';
import { DeadLetterAlert, FiringAlert, ResolvedAlert } from './dead-letter.alert';

// Slack caps a header at 150 characters and a section at 3000.
const HEADER_MAX = 150;
const SECTION_MAX = 2900;

/** A generic webhook with a Slack-compatible body (`text` for any receiver, `blocks` for Slack). */
export class SlackWebhookChannel implements AlertChannel {
  readonly name = 'webhook';

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  send(alert: DeadLetterAlert): Promise<void> {
    return postJson(this.url, slackMessageOf(alert), this.timeoutMs);
  }
}

export function slackMessageOf(alert: DeadLetterAlert): {
  text: string;
  blocks: unknown[];
} {
  return alert.kind === 'firing' ? firingMessage(alert) : resolvedMessage(alert);
}

function firingMessage(alert: FiringAlert): {
  text: string;
  blocks: unknown[];
} {
  const orders = alert.samples
    .map((sample) =>
      sample.orderId
        ? `\`${sample.orderId}\`${sample.customerId ? ` (customer \`${sample.customerId}\`)` : ''}`
        : `message \`${sample.messageId}\``,
    )
    .join(', ');
  const more =
    alert.count > alert.samples.length ? ` and ${alert.count - alert.samples.length} more` : '';
  const facts = [
    `*Reason:* ${alert.groupKey}: ${alert.reason}`,
    `*Orders:* ${orders}${more}`,
    `*Failed:* first ${alert.firstFailureAt.toISOString()}, last ${alert.lastFailureAt.toISOString()}${attemptsText(alert.maxAttempts)}`,
    `*Queue:* \`${alert.dlqName}\`, ${alert.inDlq} dead letter${alert.inDlq === 1 ? '' : 's'} with this reason now`,
  ];
  const notes = [`Inspect: \`${alert.inspect}\``];
  if (alert.uncoordinated) {
    notes.push('Sent without the shared database: other sidecars may send this alert too.');
  }
  const text = `:rotating_light: ${alert.title} — ${alert.reason}`;
  return {
    text: clip(`${text}\n${alert.count} in this alert; inspect: ${alert.inspect}`, SECTION_MAX),
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: clip(`🚨 ${alert.title}`, HEADER_MAX),
        },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: clip(facts.join('\n'), SECTION_MAX) },
      },
      {
        type: 'context',
        elements: notes.map((note) => ({
          type: 'mrkdwn',
          text: clip(note, SECTION_MAX),
        })),
      },
    ],
  };
}

function resolvedMessage(alert: ResolvedAlert): {
  text: string;
  blocks: unknown[];
} {
  const lines = alert.groups.map(
    (group) =>
      `• *${group.groupKey}*: ${group.alertedLetters} dead letter${group.alertedLetters === 1 ? '' : 's'} since ${group.openedAt.toISOString()}`,
  );
  return {
    text: clip(`:white_check_mark: ${alert.title}`, SECTION_MAX),
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: clip(`✅ ${alert.title}`, HEADER_MAX),
        },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: clip(lines.join('\n'), SECTION_MAX) },
      },
    ],
  };
}

function attemptsText(maxAttempts: number | undefined): string {
  if (maxAttempts === undefined) {
    return '';
  }
  return maxAttempts === 1 ? ', at the first attempt' : `, after up to ${maxAttempts} attempts`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
