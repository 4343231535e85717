import { InspectedRecord } from '../../../operations/inspect';
import { StoredAttribute } from '../../../records/letter';
import { OPEN_STATES } from '../../../records/record';
import { refusalOf } from '../../identity/permissions';
import { html, Html } from '../html';
import { customerIdsIn, maskCustomerId, maskerOf } from '../../masking';
import { auditTable } from './audit-table';
import { actionButton, csrfField, time } from './format';
import { PageContext, signedInPage } from './layout.page';

export interface OrderView {
  key: string;
  records: InspectedRecord[];
  /** Shown in full after an audited reveal; masked otherwise. */
  revealed: boolean;
}

const STATE_TEXT: Record<string, string> = {
  failed: 'Failed: waiting for an operator',
  retry_requested: 'Redrive requested: waiting for the processor to store it',
  resolved: 'Stored after redrive',
  discarded: 'Discarded (restorable)',
};

/** The order as sent, indented when it is JSON; anything else exactly as received. */
function pretty(body: string): { text: string; json: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(body), null, 2), json: true };
  } catch {
    return { text: body, json: false };
  }
}

function attributeValue(attribute: StoredAttribute): string {
  return (
    attribute.StringValue ?? (attribute.BinaryValue ? `(binary) ${attribute.BinaryValue}` : '')
  );
}

/** Every customer id the record ever carried: the latest, each letter's and each edit's. */
function customerIdsOf({ record, body, attempts, edits }: InspectedRecord): Set<string> {
  const texts = [body, ...attempts.map((attempt) => attempt.body)];
  texts.push(...edits.flatMap((edit) => [edit.bodyBefore, edit.bodyAfter]));
  return customerIdsIn(texts, new Set(record.customerId ? [record.customerId] : []));
}

function actions(context: PageContext, shown: InspectedRecord, index: number): Html {
  const { identity } = context;
  const { record } = shown;
  const open = (OPEN_STATES as string[]).includes(record.state);
  const notOpen = open ? undefined : 'Only open failed orders can be redriven or edited.';
  const keyField = html`<input type="hidden" name="key" value="${record.id}" />`;
  return html`<div class="toolbar" role="group" aria-label="Actions on this order">
    <form method="post" action="/console/plans">
      ${csrfField(context.csrfToken)} ${keyField}
      ${actionButton(identity, 'failed-orders.redrive', 'Redrive', {
        id: `why-redrive-${index}`,
        unavailable: notOpen,
      })}
    </form>
    ${refusalOf(identity, 'failed-orders.edit') || notOpen
      ? actionButton(identity, 'failed-orders.edit', 'Edit & retry', {
          id: `why-edit-${index}`,
          unavailable: notOpen,
        })
      : html`<span class="action"
          ><a class="button" href="/console/orders/${record.id}/edit">Edit &amp; retry</a></span
        >`}
    ${record.state === 'discarded'
      ? html`<form method="post" action="/console/restore">
          ${csrfField(context.csrfToken)} ${keyField}
          ${actionButton(identity, 'failed-orders.discard', 'Restore', {
            id: `why-restore-${index}`,
          })}
        </form>`
      : html`<form method="post" action="/console/discard">
          ${csrfField(context.csrfToken)} ${keyField}
          ${actionButton(identity, 'failed-orders.discard', 'Discard', {
            id: `why-discard-${index}`,
            unavailable:
              record.state === 'resolved' ? 'The order is stored: nothing to discard.' : undefined,
          })}
        </form>`}
  </div>`;
}

function recordSection(
  context: PageContext,
  view: OrderView,
  shown: InspectedRecord,
  index: number,
): Html {
  const { record, attempts, edits, audit } = shown;
  const customerIds = view.revealed ? new Set<string>() : customerIdsOf(shown);
  const hide = maskerOf(customerIds);
  const body = pretty(shown.body);
  const latest = attempts[attempts.length - 1];
  const traceIds = [...new Set(attempts.map((attempt) => attempt.traceId).filter(Boolean))];
  const headingId = `record-${record.id}`;
  const stored = shown.stored || record.state === 'resolved';
  return html`<section aria-labelledby="${headingId}" class="record">
    <h2 id="${headingId}">
      ${record.orderId ? html`Order ${record.orderId}` : html`Record ${record.id} (no order id)`}
    </h2>
    <p class="${stored ? 'state stored' : 'state'}" role="status">
      <strong
        >${stored ? 'Stored after redrive' : (STATE_TEXT[record.state] ?? record.state)}</strong
      >
    </p>
    ${actions(context, shown, index)}
    <h3>Attributes</h3>
    <dl class="attributes">
      <dt>Failure</dt>
      <dd>
        <a href="/console/orders?code=${encodeURIComponent(record.failureCode)}"
          >${record.failureCode}</a
        >: ${hide(record.failureReason)}
      </dd>
      <dt>Order id</dt>
      <dd>${record.orderId ?? '—'}</dd>
      <dt>Client id</dt>
      <dd>${record.clientId ?? '—'}</dd>
      <dt>Customer id</dt>
      <dd>
        ${record.customerId
          ? view.revealed
            ? html`<span class="revealed">${record.customerId}</span>`
            : html`<span class="masked">${maskCustomerId(record.customerId)}</span>`
          : '—'}
      </dd>
      <dt>Trace id</dt>
      <dd>${traceIds.length > 0 ? html`<code>${traceIds.join(', ')}</code>` : '—'}</dd>
      <dt>Attempts</dt>
      <dd>${record.attempts}</dd>
      <dt>First failed</dt>
      <dd>${time(record.firstFailedAt)}</dd>
      <dt>Last failed</dt>
      <dd>${time(record.lastFailedAt)}</dd>
      <dt>Recorded</dt>
      <dd>${time(record.recordedAt)}</dd>
      ${record.discardedAt
        ? html`<dt>Discarded</dt>
            <dd>${time(record.discardedAt)}</dd>`
        : ''}
      <dt>Record id</dt>
      <dd>${record.id}</dd>
    </dl>
    <h3>The order${edits.length > 0 ? ' (as corrected by the latest edit)' : ''}</h3>
    ${body.json ? '' : html`<p class="muted">Not JSON: shown exactly as received.</p>`}
    <pre class="body" tabindex="0" aria-label="Order body"><code>${hide(body.text)}</code></pre>
    <h3>Failure history</h3>
    <div class="scroll" role="region" aria-label="Failure history" tabindex="0">
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Failed</th>
            <th scope="col">Failure and reason</th>
            <th scope="col">Receives</th>
            <th scope="col">Message id and trace id</th>
          </tr>
        </thead>
        <tbody>
          ${attempts.map(
            (attempt, number) =>
              html`<tr>
                <td>${number + 1}</td>
                <td>${time(attempt.lastFailedAt)}</td>
                <td>
                  <strong>${attempt.failureCode}</strong>
                  <span class="reason">${hide(attempt.failureReason)}</span>
                  ${attempt.failureDetail.failedBy
                    ? html`<span class="reason">by ${String(attempt.failureDetail.failedBy)}</span>`
                    : ''}
                </td>
                <td class="number">${attempt.receiveCount}</td>
                <td>
                  <code>${attempt.messageId}</code>
                  ${attempt.traceId ? html`<br /><code>${attempt.traceId}</code>` : ''}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${latest && Object.keys(latest.attributes).length > 0
      ? html`<h3>Message attributes (latest failure)</h3>
          <div class="scroll" role="region" aria-label="Message attributes" tabindex="0">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                ${Object.entries(latest.attributes).map(
                  ([name, attribute]) =>
                    html`<tr>
                      <th scope="row"><code>${name}</code></th>
                      <td>${attribute.DataType}</td>
                      <td><code>${hide(attributeValue(attribute))}</code></td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
      : ''}
    ${edits.length > 0
      ? html`<h3>Edits</h3>
          <ol>
            ${edits.map(
              (edit) =>
                html`<li>
                  ${time(edit.at)} by ${edit.actor}: changed
                  ${edit.diff.map((entry) => entry.path).join(', ') || 'nothing'}
                </li>`,
            )}
          </ol>`
      : ''}
    <h3>Audit</h3>
    ${auditTable(audit, {
      label: 'Audit entries of this order',
      empty: 'No audit entries yet.',
      customerIdsOf: view.revealed ? undefined : () => customerIds,
    })}
  </section>`;
}

function revealForm(context: PageContext, view: OrderView): Html {
  if (view.revealed) {
    return html`<p class="notice ok" role="status">
      Customer ids are shown in full on this page. Your reveal and its reason are in the audit log.
    </p>`;
  }
  if (!view.records.some(({ record }) => record.customerId)) {
    return html``;
  }
  return html`<form
    method="post"
    action="/console/orders/${encodeURIComponent(view.key)}/reveal"
    class="reveal"
  >
    ${csrfField(context.csrfToken)}
    <div class="field">
      <label for="reveal-reason">Why do you need the customer id?</label>
      <input
        id="reveal-reason"
        name="reason"
        required
        minlength="3"
        maxlength="500"
        aria-describedby="reveal-hint"
      />
      <span class="hint" id="reveal-hint"
        >Customer ids are masked. Revealing one is audited with this reason.</span
      >
    </div>
    ${actionButton(context.identity, 'failed-orders.reveal', 'Reveal', { id: 'why-reveal' })}
  </form>`;
}

export function orderPage(context: PageContext, view: OrderView): Html {
  const title =
    view.records.length === 1 && view.records[0].record.orderId
      ? `Failed order ${view.records[0].record.orderId}`
      : `Failed order ${view.key}`;
  return signedInPage(
    context,
    title,
    html`<p><a href="/console/orders">← All failed orders</a></p>
      ${view.records.length > 1
        ? html`<p>
            This order failed ${view.records.length} times as separate records (for example after a
            discard): each is shown below, oldest first.
          </p>`
        : ''}
      ${revealForm(context, view)}
      ${view.records.map((shown, index) => recordSection(context, view, shown, index))}`,
  );
}
