import { FailedOrderRecord, OPEN_STATES, Page } from '../../../records/record';
import { html, Html } from '../html';
import { maskCustomerId, maskerOf } from '../../masking';
import { actionButton, csrfField, problem, time, urlOf } from './format';
import { PageContext, signedInPage } from './layout.page';

/** The list's query string: every filter is a link. `page` is the cursor the previous page gave. */
export const LIST_FIELDS = [
  'code',
  'client',
  'customer',
  'orderId',
  'from',
  'to',
  'q',
  'state',
] as const;
export type ListQuery = Partial<Record<(typeof LIST_FIELDS)[number] | 'page', string>>;

export interface OrdersView {
  query: ListQuery;
  page?: Page<FailedOrderRecord>;
  problem?: string;
}

const STATES = [
  ['', 'Open (failed or retry requested)'],
  ['failed', 'Failed'],
  ['retry_requested', 'Retry requested'],
  ['resolved', 'Stored after redrive'],
  ['discarded', 'Discarded'],
  ['all', 'All'],
] as const;

const STATE_LABELS: Record<string, string> = {
  failed: 'Failed',
  retry_requested: 'Retry requested',
  resolved: 'Stored',
  discarded: 'Discarded',
};

function field(
  name: keyof ListQuery,
  label: string,
  query: ListQuery,
  hint?: string,
  type = 'text',
): Html {
  return html`<div class="field">
    <label for="f-${name}">${label}</label>
    <input
      id="f-${name}"
      name="${name}"
      type="${type}"
      value="${query[name] ?? ''}"
      ${hint ? html`aria-describedby="f-${name}-hint"` : ''}
    />
    ${hint ? html`<span class="hint" id="f-${name}-hint">${hint}</span>` : ''}
  </div>`;
}

function filterForm(query: ListQuery): Html {
  return html`<form
    method="get"
    action="/console/orders"
    class="filters"
    role="search"
    aria-label="Filter failed orders"
  >
    ${field('orderId', 'Order id', query, 'Or an SQS message id')}
    ${field('q', 'Text in the body', query, 'Anywhere in the order, any case', 'search')}
    ${field('code', 'Failure code', query)} ${field('client', 'Client id', query)}
    ${field('customer', 'Customer id', query, 'The exact id')}
    ${field('from', 'Failed from', query, '2h, 7d or 2026-12-06T12:00Z')}
    ${field('to', 'Failed until', query, '15m or 2026-12-06T13:00Z')}
    <div class="field">
      <label for="f-state">State</label>
      <select id="f-state" name="state">
        ${STATES.map(
          ([value, label]) =>
            html`<option value="${value}" ${(query.state ?? '') === value ? html`selected` : ''}>
              ${label}
            </option>`,
        )}
      </select>
    </div>
    <div class="field buttons">
      <button type="submit">Filter</button>
      <a href="/console/orders">Clear</a>
    </div>
  </form>`;
}

/** The filter as hidden fields, for the actions that take the whole filtered set (`scope=filter`). */
function filterFields(query: ListQuery): Html {
  return html`${LIST_FIELDS.filter((name) => query[name]).map(
    (name) => html`<input type="hidden" name="${name}" value="${query[name] ?? ''}" />`,
  )}`;
}

function rows(items: FailedOrderRecord[]): Html {
  return html`${items.map(
    (record) =>
      html`<tr>
        <td>
          <input
            type="checkbox"
            name="key"
            value="${record.id}"
            id="select-${record.id}"
            aria-label="Select ${record.orderId ?? `record ${record.id}`}"
          />
        </td>
        <th scope="row">
          <a href="/console/orders/${record.id}"
            >${record.orderId ?? html`<span>record ${record.id} (no order id)</span>`}</a
          >
        </th>
        <td data-label="Failure">
          <a href="${urlOf('/console/orders', { code: record.failureCode })}"
            >${record.failureCode}</a
          ><span class="reason"
            >${maskerOf(record.customerId ? [record.customerId] : [])(record.failureReason)}</span
          >
        </td>
        <td data-label="Client">${record.clientId ?? html`<span class="muted">—</span>`}</td>
        <td data-label="Customer">
          ${record.customerId
            ? html`<span class="masked">${maskCustomerId(record.customerId)}</span>`
            : html`<span class="muted">—</span>`}
        </td>
        <td data-label="Attempts" class="number">${record.attempts}</td>
        <td data-label="Last failed">${time(record.lastFailedAt)}</td>
        <td data-label="State">${STATE_LABELS[record.state] ?? record.state}</td>
      </tr>`,
  )}`;
}

function summaryOf(total: number, shown: number): Html {
  const matches = total === 1 ? 'failed order matches' : 'failed orders match';
  const more = shown < total ? `, ${shown} shown on this page` : '';
  return html`<strong>${total}</strong> ${matches}${more}.`;
}

export function ordersPage(context: PageContext, view: OrdersView): Html {
  const { identity } = context;
  const { query, page } = view;
  const discardedShown = query.state === 'discarded' || query.state === 'all';
  const openShown =
    !query.state || (OPEN_STATES as string[]).includes(query.state) || query.state === 'all';
  const total = page?.total ?? 0;
  const listing = page
    ? html`<p role="status">${summaryOf(total, page.items.length)}</p>
        ${total > 0
          ? html`<form method="post" action="/console/plans" class="bulk">
                ${csrfField(context.csrfToken)}
                <fieldset class="actions">
                  <legend>Selected orders</legend>
                  <label hidden
                    ><input type="checkbox" data-select-all hidden /> Select all on this page</label
                  >
                  ${openShown
                    ? html`${actionButton(identity, 'failed-orders.redrive', 'Plan redrive…', {
                        id: 'why-plan',
                        formaction: '/console/plans',
                      })}
                      ${actionButton(identity, 'failed-orders.discard', 'Discard…', {
                        id: 'why-discard',
                        formaction: '/console/discard',
                      })}`
                    : ''}
                  ${discardedShown
                    ? actionButton(identity, 'failed-orders.discard', 'Restore…', {
                        id: 'why-restore',
                        formaction: '/console/restore',
                      })
                    : ''}
                </fieldset>
                <div class="scroll" role="region" aria-label="Failed orders" tabindex="0">
                  <table class="orders">
                    <caption class="muted">
                      Newest failure first. Customer ids are masked; open an order to reveal one.
                    </caption>
                    <thead>
                      <tr>
                        <th scope="col"><span class="visually-hidden">Select</span></th>
                        <th scope="col">Order</th>
                        <th scope="col">Failure</th>
                        <th scope="col">Client</th>
                        <th scope="col">Customer</th>
                        <th scope="col" class="number">Attempts</th>
                        <th scope="col">Last failed</th>
                        <th scope="col">State</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${rows(page.items)}
                    </tbody>
                  </table>
                </div>
              </form>
              <nav aria-label="Pages" class="pages">
                ${query.page
                  ? html`<a href="${urlOf('/console/orders', { ...query, page: undefined })}"
                      >First page</a
                    >`
                  : ''}
                ${page.nextCursor
                  ? html`<a
                      href="${urlOf('/console/orders', { ...query, page: page.nextCursor })}"
                      rel="next"
                      >Next page</a
                    >`
                  : ''}
              </nav>
              <form method="post" action="/console/plans" class="bulk">
                ${csrfField(context.csrfToken)} ${filterFields(query)}
                <input type="hidden" name="scope" value="filter" />
                <fieldset class="actions">
                  <legend>All ${total} matching this filter</legend>
                  ${openShown
                    ? html`${actionButton(
                        identity,
                        'failed-orders.redrive',
                        `Plan redrive of all ${total}…`,
                        {
                          id: 'why-plan-all',
                          formaction: '/console/plans',
                        },
                      )}
                      ${actionButton(identity, 'failed-orders.discard', `Discard all ${total}…`, {
                        id: 'why-discard-all',
                        formaction: '/console/discard',
                      })}`
                    : ''}
                  ${discardedShown
                    ? actionButton(identity, 'failed-orders.discard', `Restore all ${total}…`, {
                        id: 'why-restore-all',
                        formaction: '/console/restore',
                      })
                    : ''}
                </fieldset>
              </form>`
          : ''}`
    : '';
  return signedInPage(
    context,
    'Failed orders',
    html`${filterForm(query)} ${problem(view.problem)} ${listing}`,
  );
}
