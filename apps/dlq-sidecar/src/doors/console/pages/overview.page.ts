import { html, Html } from '../html';
import { PageContext, signedInPage } from './layout.page';

const SIGNED_IN_VIA = {
  'api-key': 'an operator API key',
  'local-token': 'the local sign-in link',
  oidc: 'your identity provider',
  proxy: 'your sign-in proxy',
} as const;

export function overviewPage(context: PageContext): Html {
  const { identity } = context;
  return signedInPage(
    context,
    'Overview',
    html`<p>
        You are <strong>${identity.name}</strong>, signed in through ${SIGNED_IN_VIA[identity.via]}
        with the <strong>${identity.role}</strong> role.
        <a href="/console/permissions">What may I do?</a>
      </p>
      <h2>What is here today</h2>
      <p>
        Sign-in, roles and the list of what your role may do. The views of failed orders (failure
        groups, the list, a failed order's page, the audit log) are not built yet: they come with
        failed orders stored as records.
      </p>
      <p>
        Until then, operators use the CLI (<code>npm run dlq -- list</code>) or the admin API at
        <code>/admin/dlq</code> with an operator API key; every change there is audited under the
        key's name.
      </p>`,
  );
}
