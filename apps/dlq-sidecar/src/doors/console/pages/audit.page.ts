import { AuditEntry } from '../../../records/record';
import { html, Html } from '../html';
import { time, urlOf } from './format';
import { PageContext, signedInPage } from './layout.page';

export interface AuditView {
  entries: AuditEntry[];
  limit: number;
}

/** The audit log, newest first: who (verified), what, on which orders, with which plan. */
export function auditPage(context: PageContext, view: AuditView): Html {
  const { entries, limit } = view;
  return signedInPage(
    context,
    'Audit log',
    html`<p>
        Every change, every read of an order's body and every reveal of a customer id, newest first.
        The actor is the verified person or API key, never a name sent with the request.
      </p>
      ${entries.length === 0
        ? html`<p>Nothing has been done yet.</p>`
        : html`<div class="scroll" role="region" aria-label="Audit entries" tabindex="0">
              <table>
                <caption class="muted">
                  The latest ${entries.length} entries
                </caption>
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
                            .map((id) => html`<a href="/console/orders/${id}">${id}</a> `)}${entry
                            .recordIds.length > 5
                            ? html`<span class="muted"
                                >and ${entry.recordIds.length - 5} more</span
                              >`
                            : ''}
                          ${entry.planId
                            ? html`<a href="/console/plans/${entry.planId}"
                                >plan ${entry.planId}</a
                              >`
                            : ''}
                        </td>
                        <td><code class="detail">${JSON.stringify(entry.detail)}</code></td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>
            ${entries.length >= limit && limit < 1000
              ? html`<p>
                  <a href="${urlOf('/console/audit', { limit: String(Math.min(limit * 5, 1000)) })}"
                    >Show more</a
                  >
                </p>`
              : ''}`}`,
  );
}
