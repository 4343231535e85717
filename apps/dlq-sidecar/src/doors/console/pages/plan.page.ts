import { PlanStatus } from '../../../operations/redrive';
import { Outcome, Plan, PLAN_HEARTBEAT_STALE_SECONDS } from '../../../records/plans.store';
import { PLAN_LIVE_SCRIPT } from '../console-actions.assets';
import { html, Html } from '../html';
import { maskedValue } from '../../masking';
import { actionButton, actionsStyles, csrfField } from './action-controls';
import { PageContext, signedInPage } from './layout.page';

export interface PlanView extends PlanStatus {
  reasons: { failureCode: string; failureReason: string; count: number }[];
  /** REDRIVE_STAGES and REDRIVE_DEFAULT_RATE, the forms' defaults. */
  defaults: { stages: string; rate: number };
  /** The first record id of this page of items (after= in the address), for "next". */
  nextAfter?: string;
}

const OUTCOME_WORDS: Record<Outcome, string> = {
  stored: 'stored',
  failed_again: 'failed again',
  pending: 'pending',
  not_sent: 'not sent yet',
  skipped: 'skipped',
};

const STATE_WORDS: Record<Plan['state'], string> = {
  planned: 'Planned (dry run): nothing sent yet',
  applying: 'Sending',
  paused: 'Paused',
  done: 'Done',
  cancelled: 'Cancelled',
};

// The same age after which PlansStore.claim lets another applier take a running plan over.
function stale(plan: Plan): boolean {
  return (
    plan.heartbeatAt !== null &&
    Date.now() - new Date(plan.heartbeatAt).getTime() > PLAN_HEARTBEAT_STALE_SECONDS * 1000
  );
}

/** Keep polling while anything can still change on its own. */
function changing(view: PlanView): boolean {
  return view.plan.state === 'applying' || view.counts.pending > 0;
}

function stagesText(plan: Plan): string {
  return plan.stages === null
    ? 'all at once'
    : [...plan.stages, 'the rest'].join(' → ') +
        (plan.state === 'applying' || plan.state === 'paused'
          ? ` (stage ${plan.stage + 1} of ${plan.stages.length + 1})`
          : '');
}

/** The part the poll script swaps: state, progress, counts and the outcome per order. */
function live(view: PlanView): Html {
  const { plan, counts, items } = view;
  const sent = counts.stored + counts.failed_again + counts.pending;
  const settled = sent + counts.skipped;
  return html`<div
    id="live"
    data-state="${plan.state}${stale(plan) ? '-stale' : ''}"
    data-poll="${changing(view) ? 'on' : 'off'}"
  >
    <p role="status">
      <strong>${STATE_WORDS[plan.state]}</strong>: ${settled} of ${plan.total} handled, stored
      ${counts.stored}, failed again ${counts.failed_again}, pending ${counts.pending}.
    </p>
    <progress max="${Math.max(plan.total, 1)}" value="${settled}" aria-label="Orders handled">
      ${settled} of ${plan.total}
    </progress>
    <ul class="counts" aria-label="Outcome counts">
      ${(Object.keys(OUTCOME_WORDS) as Outcome[]).map(
        (outcome) => html`<li>${OUTCOME_WORDS[outcome]}: <strong>${counts[outcome]}</strong></li>`,
      )}
    </ul>
    <h2>Outcome per order</h2>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Record</th>
            <th scope="col">Order id</th>
            <th scope="col">Stage</th>
            <th scope="col">Sent</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (item) =>
              html`<tr>
                <td><a href="/console/orders/${item.recordId}">${item.recordId}</a></td>
                <td><code>${item.orderId ?? '—'}</code></td>
                <td>${item.stage === null ? '—' : item.stage + 1}</td>
                <td>${item.sentAt ? new Date(item.sentAt).toISOString() : '—'}</td>
                <td class="outcome-${item.outcome}">
                  ${OUTCOME_WORDS[item.outcome]}${item.skipped ? html`: ${item.skipped}` : ''}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${view.nextAfter
      ? html`<p><a href="/console/plans/${plan.id}?after=${view.nextAfter}">Next orders</a></p>`
      : ''}
  </div>`;
}

function controls(context: PageContext, view: PlanView): Html {
  const { plan, defaults } = view;
  const action = `/console/plans/${plan.id}/apply`;
  const rate = (id: string) =>
    html`<div>
      <label for="${id}">Orders per second</label>
      <input
        id="${id}"
        name="rate"
        type="number"
        inputmode="numeric"
        min="1"
        max="10000"
        step="1"
        required
        value="${plan.rate ?? defaults.rate}"
      />
    </div>`;
  const cancel = html`<form method="post" action="/console/plans/${plan.id}/cancel">
    ${csrfField(context)}
    ${actionButton(context, 'failed-orders.redrive', 'Cancel the plan', {
      id: 'cancel',
      quiet: true,
    })}
  </form>`;
  switch (plan.state) {
    case 'planned':
      return html`<h2>Apply</h2>
        <div class="actions-bar">
          <form method="post" action="${action}" aria-label="Staged redrive">
            ${csrfField(context)}
            <div>
              <label for="stages">Stages before the rest</label>
              <input
                id="stages"
                name="stages"
                type="text"
                required
                pattern="\\d{1,5}(,\\d{1,5}){0,4}"
                title="Sizes separated by commas, such as 1,10"
                aria-describedby="stages-help"
                value="${defaults.stages}"
              />
              <span class="reason" id="stages-help"
                >Sends one stage, waits for each order's outcome, pauses if any fails again.</span
              >
            </div>
            ${rate('staged-rate')}
            ${actionButton(context, 'failed-orders.redrive', 'Start staged redrive', {
              id: 'apply-staged',
              name: 'mode',
              value: 'staged',
            })}
          </form>
          <form method="post" action="${action}" aria-label="Apply all">
            ${csrfField(context)} ${rate('all-rate')}
            ${actionButton(context, 'failed-orders.redrive', `Apply all ${plan.total}`, {
              id: 'apply-all',
              name: 'mode',
              value: 'all',
            })}
          </form>
          ${cancel}
        </div>`;
    case 'paused':
      return html`<p class="notice" role="alert">Paused: ${plan.pausedReason}</p>
        <div class="actions-bar">
          <form method="post" action="${action}" aria-label="Resume">
            ${csrfField(context)} ${rate('resume-rate')}
            ${actionButton(context, 'failed-orders.redrive', 'Resume with the next stage', {
              id: 'resume',
              name: 'mode',
              value: 'resume',
            })}
            ${actionButton(context, 'failed-orders.redrive', 'Send the rest at once', {
              id: 'rest',
              name: 'mode',
              value: 'rest',
              quiet: true,
            })}
          </form>
          ${cancel}
        </div>`;
    case 'applying':
      return stale(plan)
        ? html`<p class="notice" role="alert">
              ${plan.appliedBy} was sending it and stopped reporting at
              ${plan.heartbeatAt ? new Date(plan.heartbeatAt).toISOString() : '?'} (a restarted
              replica): take it over to go on where it stopped.
            </p>
            <div class="actions-bar">
              <form method="post" action="${action}" aria-label="Take over">
                ${csrfField(context)} ${rate('takeover-rate')}
                ${actionButton(context, 'failed-orders.redrive', 'Take over and go on', {
                  id: 'take-over',
                  name: 'mode',
                  value: 'resume',
                })}
              </form>
              ${cancel}
            </div>`
        : html`<div class="actions-bar">${cancel}</div>`;
    case 'done':
    case 'cancelled':
      return html``;
  }
}

/** A frozen redrive plan: what it holds, why they failed, the controls its state allows, and live progress. */
export function planPage(context: PageContext, view: PlanView): Html {
  const { plan } = view;
  return signedInPage(
    context,
    `Redrive plan of ${plan.total} order${plan.total === 1 ? '' : 's'}`,
    html`${actionsStyles()}
      <dl>
        <dt>Frozen</dt>
        <dd>
          ${new Date(plan.createdAt).toISOString()} by ${plan.createdBy}: exactly these orders,
          whatever fails after.
        </dd>
        <dt>Chosen by</dt>
        <dd><code>${JSON.stringify(maskedValue(plan.filter))}</code></dd>
        <dt>Stages</dt>
        <dd>${stagesText(plan)}</dd>
        ${plan.appliedBy
          ? html`<dt>Applied by</dt>
              <dd>${plan.appliedBy}</dd>`
          : ''}
      </dl>
      <h2>Why they failed</h2>
      <ul>
        ${view.reasons.map(
          (reason) =>
            html`<li>
              <strong>${reason.count}</strong> × <code>${reason.failureCode}</code>:
              ${reason.failureReason}
            </li>`,
        )}
      </ul>
      ${controls(context, view)} ${live(view)}
      <p>
        <a href="/console/plans/${plan.id}">Refresh</a> ·
        <a href="/console/plans">All plans</a>
      </p>
      <script src="${PLAN_LIVE_SCRIPT.path}" defer></script>`,
  );
}
