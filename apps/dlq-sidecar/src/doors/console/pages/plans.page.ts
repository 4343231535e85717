import { Plan } from '../../../records/plans.store';
import { html, Html } from '../html';
import { maskedValue } from '../../masking';
import { actionButton, actionsStyles, csrfField } from './action-controls';
import { PageContext, signedInPage } from './layout.page';

/** Redrive plans, newest first: each links to its progress and outcome per order. */
export function plansPage(context: PageContext, plans: Plan[]): Html {
  return signedInPage(
    context,
    'Redrive plans',
    html`${actionsStyles()}
      <p>
        A plan is a dry run: it freezes the failed orders a choice names now (orders failing later
        are not in it), shows how many and why they failed, and sends nothing until you apply it.
        Make one from the list of failed orders, or here.
      </p>
      <form method="post" action="/console/plans" class="actions-bar" aria-label="Make a plan">
        ${csrfField(context)}
        <input type="hidden" name="scope" value="filter" />
        <div>
          <label for="plan-code">Failure code</label>
          <input id="plan-code" name="code" type="text" maxlength="256" />
        </div>
        <div>
          <label for="plan-order">Order id</label>
          <input id="plan-order" name="orderId" type="text" maxlength="256" />
        </div>
        <div>
          <label for="plan-text">Text in the body</label>
          <input id="plan-text" name="q" type="text" maxlength="256" />
        </div>
        ${actionButton(context, 'failed-orders.redrive', 'Dry run: make a plan', {
          id: 'make-plan',
        })}
      </form>
      ${plans.length === 0
        ? html`<p>No plans yet.</p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Made</th>
                  <th scope="col">By</th>
                  <th scope="col">Orders</th>
                  <th scope="col">State</th>
                  <th scope="col">Chosen by</th>
                </tr>
              </thead>
              <tbody>
                ${plans.map(
                  (plan) =>
                    html`<tr>
                      <td>
                        <a href="/console/plans/${plan.id}"
                          >${new Date(plan.createdAt).toISOString()}</a
                        >
                      </td>
                      <td>${plan.createdBy}</td>
                      <td>${plan.total}</td>
                      <td>${plan.state}${plan.pausedReason ? html`: ${plan.pausedReason}` : ''}</td>
                      <td><code>${JSON.stringify(maskedValue(plan.filter))}</code></td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`}`,
  );
}
