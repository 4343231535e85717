import { AuditEntry } from '../../../records/record';
import { html, Html } from '../html';
import { maskedValue } from '../../masking';
import { time } from './format';

export interface AuditTableOptions {
  label: string;
  empty: string;
  caption?: string;
  /**
   * The customer ids to mask in an entry's detail besides the ones it names itself (a filter's
   * `customer`): those of its orders. Undefined after a reveal: shown in full.
   */
  customerIdsOf?: (entry: AuditEntry) => Iterable<string>;
}

/** Audit entries, newest first, as the audit log and an order's page show them. */
export function auditTable(entries: AuditEntry[], options: AuditTableOptions): Html {
  const { customerIdsOf } = options;
  if (entries.length === 0) {
    return html`<p class="muted">${options.empty}</p>`;
  }
  return html`<div class="scroll" role="region" aria-label="${options.label}" tabindex="0">
    <table>
      ${options.caption
        ? html`<caption class="muted">
            ${options.caption}
          </caption>`
        : ''}
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">Orders</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        ${entries.map(
          (entry) =>
            html`<tr>
              <td>${time(entry.at)}</td>
              <td>${entry.actor}<span class="reason">${entry.via}</span></td>
              <td>${entry.action}</td>
              <td>
                ${entry.recordIds
                  .slice(0, 5)
                  .map((id) => html`<a href="/console/orders/${id}">${id}</a> `)}${entry.recordIds
                  .length > 5
                  ? html`<span class="muted">and ${entry.recordIds.length - 5} more</span>`
                  : ''}
                ${entry.planId
                  ? html`<a href="/console/plans/${entry.planId}">plan ${entry.planId}</a>`
                  : ''}
              </td>
              <td>
                <code class="detail"
                  >${JSON.stringify(
                    customerIdsOf ? maskedValue(entry.detail, customerIdsOf(entry)) : entry.detail,
                  )}</code
                >
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
