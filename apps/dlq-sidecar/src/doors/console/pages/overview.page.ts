import { GroupWithTrend } from '../../../operations/group-trends';
import { html, Html } from '../html';
import { groupsTable } from './groups.page';
import { PageContext, signedInPage } from './layout.page';

const SIGNED_IN_VIA = {
  'api-key': 'an operator API key',
  'local-token': 'the local sign-in link',
  oidc: 'your identity provider',
  proxy: 'your sign-in proxy',
} as const;

const TOP_GROUPS = 5;

/** Where an operator starts: how many orders wait, the worst groups, and a way to find one order. */
export function overviewPage(context: PageContext, groups: GroupWithTrend[]): Html {
  const { identity } = context;
  const total = groups.reduce((sum, group) => sum + group.count, 0);
  return signedInPage(
    context,
    'Overview',
    html`<p>
        You are <strong>${identity.name}</strong>, signed in through ${SIGNED_IN_VIA[identity.via]}
        with the <strong>${identity.role}</strong> role.
        <a href="/console/permissions">What may I do?</a>
      </p>
      <p class="big">
        <strong data-live="total">${total}</strong> failed orders are open in ${groups.length}
        ${groups.length === 1 ? 'group' : 'groups'}.
        <span class="muted" data-live-at></span>
      </p>
      <form
        method="get"
        action="/console/orders"
        class="filters"
        role="search"
        aria-label="Find a failed order"
      >
        <div class="field">
          <label for="find-order">Find an order</label>
          <input id="find-order" name="orderId" aria-describedby="find-hint" />
          <span class="hint" id="find-hint">Order id or SQS message id</span>
        </div>
        <div class="field">
          <label for="find-text">or text in its body</label>
          <input id="find-text" name="q" type="search" />
        </div>
        <div class="field buttons"><button type="submit">Find</button></div>
      </form>
      <h2>Failure groups</h2>
      ${groupsTable(groups.slice(0, TOP_GROUPS), {})}
      ${groups.length > TOP_GROUPS
        ? html`<p><a href="/console/groups">All ${groups.length} failure groups</a></p>`
        : ''}`,
  );
}
