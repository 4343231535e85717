import { GroupWithTrend } from '../../../operations/group-trends';
import { html, Html } from '../html';
import { PageContext, signedInPage } from './layout.page';
import { problem, time, urlOf } from './format';
import { trendChart } from './trend';

export interface GroupsView {
  groups: GroupWithTrend[];
  /** As the operator typed it (`2h`, an ISO time), for the form and the links. */
  since?: string;
  sinceAt?: Date;
  problem?: string;
}

/** Failure groups: where to look first (sorted by impact), how it develops, who has it. */
export function groupsTable(
  groups: GroupWithTrend[],
  view: Pick<GroupsView, 'since' | 'sinceAt'>,
): Html {
  if (groups.length === 0) {
    return html`<p>No failed orders are open. Nothing to do.</p>`;
  }
  return html`<div class="scroll">
    <table class="groups">
      <caption class="muted">
        Sorted by impact: open orders, then failures in the last 24 hours; groups on hold last.
      </caption>
      <thead>
        <tr>
          <th scope="col">Failure</th>
          <th scope="col" class="number">Open orders</th>
          ${view.sinceAt
            ? html`<th scope="col" class="number">New since ${time(view.sinceAt)}</th>`
            : ''}
          <th scope="col">Last 24 h</th>
          <th scope="col">First / last seen</th>
          <th scope="col">Triage</th>
        </tr>
      </thead>
      <tbody>
        ${groups.map(
          (group) =>
            html`<tr>
              <th scope="row">
                <a href="${urlOf('/console/orders', { code: group.failureCode })}"
                  >${group.failureCode}</a
                >
                <span class="reason">${group.latestReason}</span>
              </th>
              <td class="number"><span data-live="${group.failureCode}">${group.count}</span></td>
              ${view.sinceAt
                ? html`<td class="number">
                    <a
                      href="${urlOf('/console/orders', {
                        code: group.failureCode,
                        from: view.since,
                      })}"
                      aria-label="${group.newSince} new ${group.failureCode} since ${view.since}"
                      >${group.newSince}</a
                    >
                  </td>`
                : ''}
              <td>${trendChart(group.trend)}</td>
              <td>${time(group.firstFailedAt)}<br />${time(group.lastFailedAt)}</td>
              <td>
                ${group.onHold ? html`<strong class="badge">On hold</strong> ` : ''}
                ${group.owner
                  ? html`<span>Owner: ${group.owner}</span>`
                  : html`<span class="muted">No owner</span>`}
                ${group.note ? html`<span class="reason">${group.note}</span>` : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function groupsPage(context: PageContext, view: GroupsView): Html {
  return signedInPage(
    context,
    'Failure groups',
    html`<p>
        Failed orders by failure code. Open a group to see its orders; the counts update by
        themselves. <span class="muted" data-live-at></span>
      </p>
      <form method="get" action="/console/groups" class="filters">
        <div class="field">
          <label for="since">New since</label>
          <input
            id="since"
            name="since"
            value="${view.since ?? ''}"
            aria-describedby="since-hint"
            placeholder="2h"
          />
          <span class="hint" id="since-hint"
            >How long ago (15m, 2h, 7d) or a time (2026-12-06T12:00Z)</span
          >
        </div>
        <div class="field buttons"><button type="submit">Show</button></div>
      </form>
      ${problem(view.problem)} ${groupsTable(view.groups, view)}`,
  );
}
