import { ApiKeyHolder } from '../../identity/operator-api-keys';
import { html, Html } from '../html';
import { PageContext, signedInPage } from './layout.page';

/** Who holds an operator API key and with which role; the keys themselves exist only as hashes. */
export function apiKeysPage(context: PageContext, holders: ApiKeyHolder[]): Html {
  return signedInPage(
    context,
    'API keys',
    html`<p>
        Operator API keys sign in the CLI and tools to the admin API. Each is configured as
        <code>name:role:sha256</code> in <code>OPERATOR_API_KEYS</code>; the sidecar never sees more
        of a key than its hash. Actions taken with a key are audited under its name.
      </p>
      ${holders.length === 0
        ? html`<p>No operator API keys are configured.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              ${holders.map(
                (holder) =>
                  html`<tr>
                    <td>${holder.name}</td>
                    <td>${holder.role}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`}`,
  );
}
