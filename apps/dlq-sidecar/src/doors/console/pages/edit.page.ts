import { EditableOrder } from '../../../operations/edit';
import { refusalOf } from '../../identity/permissions';
import { DiffEntry, Edit, FailedOrderRecord } from '../../../records/record';
import { EDIT_CHECK_SCRIPT } from '../console-actions.assets';
import { html, Html } from '../html';
import { OrderField, orderFields, orderRules } from '../order-form';
import { actionButton, actionsStyles, csrfField } from './action-controls';
import { PageContext, signedInPage } from './layout.page';

export interface EditView {
  key: string;
  editable: EditableOrder;
  record: FailedOrderRecord;
  edits: Edit[];
  /** The order the form shows: as stored, or as the operator last submitted it. */
  order: unknown;
  extraItems?: number;
  /** The server's verdict on the last submission, by field name. */
  problems?: Map<string, string>;
  /** A problem that is no field's (bad JSON, a refused request). */
  message?: string;
  json?: string;
}

function input(field: OrderField, problem: string | undefined): Html {
  const id = `f-${field.name.replace(/\./g, '-')}`;
  const { rule } = field;
  const constraints =
    field.kind === 'number'
      ? html`type="number" inputmode="numeric" step="1" min="${rule.minimum ?? ''}"
        max="${rule.maximum ?? ''}"`
      : html`type="text" minlength="${rule.minLength ?? ''}" maxlength="${rule.maxLength ?? ''}"
        ${rule.enum
          ? html`pattern="${rule.enum.join('|')}" title="An ISO 4217 code, such as EUR"`
          : ''}`;
  return html`<div class="field">
    <label for="${id}">${field.label}</label>
    <input
      id="${id}"
      name="${field.name}"
      data-field="${field.label}"
      ${constraints}
      required
      value="${field.value}"
      ${problem ? html`aria-invalid="true" aria-describedby="${id}-problem"` : ''}
    />
    ${problem ? html`<span class="field-problem" id="${id}-problem">${problem}</span>` : ''}
  </div>`;
}

function diffTable(diff: DiffEntry[]): Html {
  const shown = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));
  return html`<div class="table-wrap">
    <table class="diff">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        ${diff.map(
          (entry) =>
            html`<tr>
              <th scope="row"><code>${entry.path}</code></th>
              <td><del>${shown(entry.before)}</del></td>
              <td><ins>${shown(entry.after)}</ins></td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function chain(edits: Edit[]): Html {
  return html`<h2>Earlier edits (${edits.length})</h2>
    ${edits.length === 0
      ? html`<p>None: the order is as the gateway accepted it.</p>`
      : html`<ol>
          ${edits.map(
            (edit) =>
              html`<li>
                ${new Date(edit.at).toISOString()} by ${edit.actor} ${diffTable(edit.diff)}
              </li>`,
          )}
        </ol>`}`;
}

function header(view: EditView): Html {
  const { record } = view;
  return html`<p>
    Order <code>${view.editable.orderId}</code> (record
    <a href="/console/orders/${record.id}">${record.id}</a>) failed with
    <code>${record.failureCode}</code>: ${record.failureReason}. The order id and the client id stay
    as accepted.
  </p>`;
}

/** Edit & retry: the order as a form (constraints from the contract), or as JSON; checked before sending. */
export function editPage(context: PageContext, view: EditView): Html {
  const action = `/console/orders/${encodeURIComponent(view.key)}/edit`;
  const fields = orderFields(view.order, view.extraItems);
  const problems = view.problems ?? new Map<string, string>();
  const serverProblems = [...problems.entries()];
  const [own, items] = [fields.slice(0, 2), fields.slice(2)];
  const rows: OrderField[][] = [];
  for (let index = 0; index < items.length; index += 3) {
    rows.push(items.slice(index, index + 3));
  }
  return signedInPage(
    context,
    'Edit and retry',
    html`${actionsStyles()} ${header(view)}
      ${view.message || serverProblems.length > 0
        ? html`<div class="problems" role="alert">
            ${view.message ? html`<p>${view.message}</p>` : ''}
            ${serverProblems.length > 0
              ? html`<p>The order contract refuses these fields; nothing was sent:</p>
                  <ul>
                    ${serverProblems.map(([name, problem]) => html`<li>${name}: ${problem}</li>`)}
                  </ul>`
              : ''}
          </div>`
        : ''}
      <form
        method="post"
        action="${action}"
        class="edit-form"
        data-check="form"
        data-problems="form-problems"
      >
        ${csrfField(context)}
        <div class="problems" id="form-problems" role="alert" tabindex="-1" hidden></div>
        ${own.map((field) => input(field, problems.get(field.name)))}
        ${rows.map(
          (row, index) =>
            html`<fieldset>
              <legend>Item ${index + 1}</legend>
              <div class="item-row">
                ${row.map((field) => input(field, problems.get(field.name)))}
              </div>
              <label
                ><input type="checkbox" name="items.${index}.remove" /> Remove item
                ${index + 1}</label
              >
            </fieldset>`,
        )}
        <p>
          ${actionButton(context, 'failed-orders.edit', 'Review the change', {
            id: 'review',
            name: 'step',
            value: 'review',
          })}
          <button
            type="submit"
            class="quiet"
            name="step"
            value="add-item"
            formnovalidate
            ${refusalOf(context.identity, 'failed-orders.edit')
              ? html`disabled aria-describedby="review-why"`
              : ''}
          >
            Add an item
          </button>
        </p>
      </form>
      <details ${view.json !== undefined ? html`open` : ''}>
        <summary>Edit as JSON instead</summary>
        <form
          method="post"
          action="${action}"
          data-check="json"
          data-problems="json-problems"
          data-rules="${JSON.stringify(orderRules())}"
        >
          ${csrfField(context)}
          <div class="problems" id="json-problems" role="alert" tabindex="-1" hidden></div>
          <label for="order-json">The order (customerId, currency, items)</label>
          <textarea id="order-json" name="orderJson" rows="14" spellcheck="false">
${view.json ?? JSON.stringify(view.order, null, 2)}</textarea
          >
          <p>
            ${actionButton(context, 'failed-orders.edit', 'Review the JSON change', {
              id: 'review-json',
              name: 'step',
              value: 'review',
            })}
          </p>
        </form>
      </details>
      ${chain(view.edits)}
      <script src="${EDIT_CHECK_SCRIPT.path}" defer></script>`,
  );
}

/** The confirm step: before and after, field by field, then send (or go back and change more). */
export function editReviewPage(
  context: PageContext,
  view: EditView,
  diff: DiffEntry[],
  corrected: unknown,
): Html {
  const action = `/console/orders/${encodeURIComponent(view.key)}/edit`;
  const json = JSON.stringify(corrected);
  return signedInPage(
    context,
    'Review the change',
    html`${actionsStyles()} ${header(view)}
      ${diff.length === 0
        ? html`<p class="notice">Nothing changed: sending retries the order as it is.</p>`
        : diffTable(diff)}
      <form method="post" action="${action}">
        ${csrfField(context)}
        <input type="hidden" name="orderJson" value="${json}" />
        <p>
          ${actionButton(context, 'failed-orders.edit', 'Send the corrected order', {
            id: 'send',
            name: 'step',
            value: 'send',
          })}
          <button type="submit" class="quiet" name="step" value="revise">Change it again</button>
        </p>
      </form>
      ${chain(view.edits)}`,
  );
}
