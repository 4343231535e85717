import { permissionsOf } from '../../identity/permissions';
import { html, Html } from '../html';
import { PageContext, signedInPage } from './layout.page';

/** Every action the doors know, with yes or the reason for no: the server enforces the same table. */
export function permissionsPage(context: PageContext): Html {
  const lines = permissionsOf(context.identity);
  return signedInPage(
    context,
    'What may I do',
    html`<p>
        <strong>${context.identity.name}</strong> has the <strong>${context.identity.role}</strong>
        role. The server checks each action against this table, in the console, the admin API and
        for API keys alike.
      </p>
      <table>
        <caption class="muted">
          Actions and the least role that may do them
        </caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">Least role</th>
            <th scope="col">You</th>
          </tr>
        </thead>
        <tbody>
          ${lines.map(
            (line) =>
              html`<tr>
                <th scope="row">${line.label}</th>
                <td>${line.role}</td>
                <td>
                  ${line.allowed
                    ? html`<span class="yes">Allowed</span>`
                    : html`<span class="no">Not allowed</span
                        ><span class="reason">${line.reason}</span>`}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>`,
  );
}
