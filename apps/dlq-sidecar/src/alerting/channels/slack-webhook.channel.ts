import { AlertSample, DeadLetterAlert, FiringAlert } from '../dead-letter.alert';

// Slack caps a header at 150 characters and a section at 3000.
const HEADER_MAX = 150;
const SECTION_MAX = 2900;

type SlackMessage = { text: string; blocks: unknown[] };

/**
 * A generic webhook's body, Slack-compatible: `text` for any receiver, `blocks` for Slack.
 * Customer text arrives alert-safe (no <, >, backticks, mentions); in mrkdwn it also sits in code
 * spans, where Slack formats and links nothing.
 */
export function slackMessageOf(alert: DeadLetterAlert): SlackMessage {
  switch (alert.kind) {
    case 'firing':
      return firingMessage(alert);
    case 'resolved':
      return messageOf(
        '✅',
        alert.title,
        alert.groups.map(
          (group) =>
            `• *${group.groupKey}*: ${group.alertedLetters} dead letter${group.alertedLetters === 1 ? '' : 's'} since ${group.openedAt.toISOString()}`,
        ),
      );
    case 'stalled':
      return messageOf('⏳', alert.title, [
        `*Why:* \`${alert.reason}\``,
        `*Paused since:* ${alert.pausedSince.toISOString()}; the oldest waiting letter failed at ${alert.oldestWaitingSentAt.toISOString()}`,
        'Nothing is lost: the letters wait in the DLQ and are recorded once the database answers. Sent without the database: every sidecar may send this.',
      ]);
  }
}

/** A header and a section of facts (and a context note); `text` for receivers that are not Slack. */
function messageOf(
  icon: string,
  title: string,
  facts: string[],
  note?: string,
  text = `${icon} ${title}`,
): SlackMessage {
  return {
    text: clip(text, SECTION_MAX),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`${icon} ${title}`, HEADER_MAX) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(facts.join('\n'), SECTION_MAX) } },
      ...(note
        ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: clip(note, SECTION_MAX) }] }]
        : []),
    ],
  };
}

function ordersOf(samples: AlertSample[], count: number): string {
  const orders = samples
    .map((sample) => {
      const who = [
        sample.clientId ? `client \`${sample.clientId}\`` : undefined,
        sample.customerId ? `customer \`${sample.customerId}\`` : undefined,
      ].filter(Boolean);
      const id = sample.orderId ? `\`${sample.orderId}\`` : `message \`${sample.messageId}\``;
      return who.length > 0 ? `${id} (${who.join(', ')})` : id;
    })
    .join(', ');
  return count > samples.length ? `${orders} and ${count - samples.length} more` : orders;
}

function firingMessage(alert: FiringAlert): SlackMessage {
  const attempts =
    alert.maxAttempts === undefined
      ? ''
      : alert.maxAttempts === 1
        ? ', at the first attempt'
        : `, after up to ${alert.maxAttempts} attempts`;
  return messageOf(
    '🚨',
    alert.title,
    [
      `*Reason:* ${alert.groupKey}: \`${alert.reason}\``,
      `*Orders:* ${ordersOf(alert.samples, alert.count)}`,
      `*Failed:* first ${alert.firstFailureAt.toISOString()}, last ${alert.lastFailureAt.toISOString()}${attempts}`,
      `*Queue:* \`${alert.dlqName}\`, ${alert.inDlq} dead letter${alert.inDlq === 1 ? '' : 's'} open with this reason now`,
    ],
    `Inspect: \`${alert.inspect}\``,
    `🚨 ${alert.title} — \`${alert.reason}\`\n${alert.count} in this alert; inspect: ${alert.inspect}`,
  );
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
