import { SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DlqSidecarConfig, loadConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import { createHash } from 'node:crypto';
import { createSidecarApp } from '../../create-sidecar-app';
import { deadOrders, sendAll } from '../../../testing/dead-letter.seeds';
import { TestOidcProvider } from '../../../testing/oidc-provider';
import { baseEnv } from '../../../testing/processes';
import { LocalSignInLink } from './local-sign-in-link';
import { SessionTokens } from './session-tokens';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const KEYS = { reader: 'reader-secret-key', operator: 'operator-secret-key' };
const SESSION_SECRET = 'a-session-secret-of-at-least-32-characters';

async function startSidecar(queues: QueuePair, env: Record<string, string>) {
  const config = loadConfig(DlqSidecarConfig, {
    ...baseEnv(queues),
    ALERT_LOG: 'false',
    HOST: '127.0.0.1',
    OPERATOR_API_KEYS: `rita:reader:${sha256(KEYS.reader)},ops-bot:operator:${sha256(KEYS.operator)}`,
    ...env,
  });
  const app = await createSidecarApp(config, false);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
/** The session cookie among a reply's Set-Cookie headers, as a browser would send it back. */
const cookieFrom = (setCookie: string | string[] | undefined, name = '__Host-dlq-console') =>
  [setCookie ?? []]
    .flat()
    .map((header) => header.split(';')[0])
    .find((pair) => pair.startsWith(`${name}=`)) ?? '';

describe('identity: operator API keys, roles, console sign-in (real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;

  beforeAll(async () => {
    database = await migratedDatabase();
  });

  afterAll(async () => {
    await database?.close();
  });

  describe('operator API keys on the admin API', () => {
    let queues: QueuePair;
    let app: NestFastifyApplication;
    const seeded = deadOrders(2, 'INVALID_ENVELOPE', 'bad');

    beforeAll(async () => {
      queues = await createQueuePair(sqs);
      await sendAll(sqs, queues.dlqUrl, seeded.seeds);
      app = await startSidecar(queues, { AUTH_FAILURES_PER_MINUTE: '3' });
    });

    afterAll(async () => {
      await app?.close();
    });

    it('should let a reader key read and refuse it a redrive, naming the role it lacks', async () => {
      const read = await app.inject({
        method: 'GET',
        url: '/admin/dlq/audit',
        headers: bearer(KEYS.reader),
      });
      const redrive = await app.inject({
        method: 'POST',
        url: '/admin/dlq/plans',
        headers: bearer(KEYS.reader),
        payload: { all: true },
      });

      expect(read.statusCode).toBe(200);
      expect(redrive.statusCode).toBe(403);
      expect(redrive.json()).toMatchObject({
        code: 'NOT_ALLOWED',
        message: 'Needs the operator role; rita has the reader role.',
      });
    });

    it('should mask customer ids for a reader key (records, bodies, audit) and not for an operator key', async () => {
      const get = async (url: string, key: string) =>
        (await app.inject({ method: 'GET', url, headers: bearer(key) })).body;
      await eventually(async () => {
        expect(JSON.parse(await get('/admin/dlq/records', KEYS.operator)).total).toBe(2);
      }, 20_000);
      const planned = await app.inject({
        method: 'POST',
        url: '/admin/dlq/plans',
        headers: bearer(KEYS.operator),
        payload: { customer: 'customer-1' },
      });
      const urls = ['/admin/dlq/records', `/admin/dlq/records/${seeded.orderIds[0]}`];
      urls.push('/admin/dlq/audit');
      const asReader = await Promise.all(urls.map((url) => get(url, KEYS.reader)));
      const asOperator = await Promise.all(urls.map((url) => get(url, KEYS.operator)));

      expect(planned.statusCode).toBe(201);
      expect(JSON.parse(asReader[0]).items[0].customerId).toBe('c••••-1');
      expect(asReader.join()).not.toContain('customer-1');
      expect(asReader[2]).toContain('"customer":"c••••-1"');
      expect(asOperator.map((body) => body.includes('"customer-1"'))).toEqual([true, true, true]);
    });

    it('should audit a redrive plan under the key that made it, and refuse an actor named in the body', async () => {
      const named = await app.inject({
        method: 'POST',
        url: '/admin/dlq/plans',
        headers: bearer(KEYS.operator),
        payload: { code: 'INVALID_ENVELOPE', actor: 'somebody-else' },
      });
      const plan = await app.inject({
        method: 'POST',
        url: '/admin/dlq/plans',
        headers: bearer(KEYS.operator),
        payload: { code: 'INVALID_ENVELOPE' },
      });
      const audit = await app.inject({
        method: 'GET',
        url: '/admin/dlq/audit',
        headers: bearer(KEYS.reader),
      });

      expect([named.statusCode, named.json().code]).toEqual([400, 'INVALID_REQUEST']);
      expect(plan.statusCode).toBe(201);
      expect(audit.json()[0]).toMatchObject({ action: 'redrive.plan', actor: 'ops-bot (api-key)' });
      expect(JSON.stringify(audit.json())).not.toContain('somebody-else');
    });

    it('should throttle a client after wrong keys, even when it then sends a right one', async () => {
      const from = (remoteAddress: string, key: string) =>
        app.inject({ method: 'GET', url: '/admin/dlq/audit', headers: bearer(key), remoteAddress });

      const wrong = [];
      for (let attempt = 0; attempt < 3; attempt += 1) {
        wrong.push((await from('192.0.2.7', `guess-${attempt}`)).statusCode);
      }
      const thenRight = await from('192.0.2.7', KEYS.reader);
      const otherClient = await from('192.0.2.8', KEYS.reader);

      expect(wrong).toEqual([401, 401, 401]);
      expect([thenRight.statusCode, thenRight.json().code]).toEqual([429, 'TOO_MANY_FAILURES']);
      expect(otherClient.statusCode).toBe(200);
    });
  });

  describe('console sign-in with the local one-time link', () => {
    let app: NestFastifyApplication;

    beforeAll(async () => {
      app = await startSidecar(await createQueuePair(sqs), { CONSOLE_SIGN_IN: 'local-token' });
    });

    afterAll(async () => {
      await app?.close();
    });

    it('should show only the sign-in page without a session', async () => {
      const console = await app.inject({ method: 'GET', url: '/console' });
      const signIn = await app.inject({ method: 'GET', url: '/console/sign-in' });
      const api = await app.inject({ method: 'GET', url: '/admin/dlq/audit' });

      expect([console.statusCode, console.headers.location]).toEqual([303, '/console/sign-in']);
      expect(signIn.statusCode).toBe(200);
      expect(signIn.body).toContain('Open the sign-in link');
      expect(signIn.body).not.toContain('<nav');
      expect(signIn.headers['content-security-policy']).toContain("default-src 'none'");
      expect(signIn.headers['content-security-policy']).not.toMatch(/unsafe-(inline|eval)/);
      expect(api.statusCode).toBe(401);
    });

    it('should sign in once with the link, move to a clean URL, and refuse the link again', async () => {
      const url = new URL(app.get(LocalSignInLink).url('http://127.0.0.1'));
      const wrong = await app.inject({ method: 'GET', url: '/console/sign-in?token=nope' });
      const first = await app.inject({ method: 'GET', url: url.pathname + url.search });
      const again = await app.inject({ method: 'GET', url: url.pathname + url.search });
      const session = cookieFrom(first.headers['set-cookie']);
      const page = await app.inject({
        method: 'GET',
        url: '/console',
        headers: { cookie: session },
      });

      expect(wrong.statusCode).toBe(401);
      expect([first.statusCode, first.headers.location]).toEqual([303, '/console']);
      expect(String(first.headers['set-cookie'])).toMatch(
        /^__Host-dlq-console=[^;]+; Path=\/; Max-Age=43200; HttpOnly; Secure; SameSite=Lax$/,
      );
      expect(again.statusCode).toBe(401);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Signed in as <strong>local operator</strong> (admin)');
    });

    it('should refuse a change without the page CSRF token, and accept it with it', async () => {
      // The link signs in once (used above), so this session is minted as the link would have.
      const session = await app.get(SessionTokens).issueSession({
        subject: 'local',
        name: 'local operator',
        role: 'admin',
        via: 'local-token',
      });
      const cookie = `__Host-dlq-console=${session}`;
      const page = await app.inject({ method: 'GET', url: '/console', headers: { cookie } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];

      const forged = await app.inject({
        method: 'POST',
        url: '/console/sign-out',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: '_csrf=forged',
      });
      const real = await app.inject({
        method: 'POST',
        url: '/console/sign-out',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${csrf}`,
      });

      expect(csrf).toBeDefined();
      expect(forged.statusCode).toBe(403);
      expect([real.statusCode, real.headers.location]).toEqual([303, '/console/sign-in']);
      expect(String(real.headers['set-cookie'])).toContain(
        '__Host-dlq-console=; Path=/; Max-Age=0',
      );
    });
  });

  describe('console sign-in through a trusted auth proxy', () => {
    let app: NestFastifyApplication;

    beforeAll(async () => {
      app = await startSidecar(await createQueuePair(sqs), {
        CONSOLE_SIGN_IN: 'proxy',
        CONSOLE_SESSION_SECRET: SESSION_SECRET,
        PROXY_TRUSTED_CIDRS: '10.0.0.0/8',
        IDENTITY_ROLE_MAP: 'dlq-ops=operator',
      });
    });

    afterAll(async () => {
      await app?.close();
    });

    const asPerson = (remoteAddress: string, groups: string, url = '/console') =>
      app.inject({
        method: 'GET',
        url,
        remoteAddress,
        headers: { 'x-forwarded-email': 'pat@example.com', 'x-forwarded-groups': groups },
      });

    it('should take identity headers only from the proxy addresses', async () => {
      const trusted = await asPerson('10.1.2.3', 'staff,dlq-ops');
      const untrusted = await asPerson('192.0.2.50', 'dlq-ops');

      expect(trusted.statusCode).toBe(200);
      expect(trusted.body).toContain('Signed in as <strong>pat@example.com</strong> (operator)');
      expect(untrusted.statusCode).toBe(401);
      expect(untrusted.body).not.toContain('pat@example.com</strong>');
    });

    it('should need the page CSRF token for a change, and let an operator through with it', async () => {
      const person = { 'x-forwarded-email': 'pat@example.com', 'x-forwarded-groups': 'dlq-ops' };
      const page = await app.inject({
        method: 'GET',
        url: '/console',
        remoteAddress: '10.1.2.3',
        headers: person,
      });
      const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1];
      const redrive = (headers: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: '/admin/dlq/plans',
          remoteAddress: '10.1.2.3',
          headers: { ...person, ...headers },
          payload: {},
        });

      const withoutToken = await redrive({});
      const withToken = await redrive({ 'x-csrf-token': String(csrf) });

      expect([withoutToken.statusCode, withoutToken.json().code]).toEqual([403, 'CSRF_REJECTED']);
      // Past the guard: the operation itself answers (a redrive needs a filter).
      expect([withToken.statusCode, withToken.json().code]).toEqual([400, 'FILTER_REQUIRED']);
    });

    it('should refuse a person whose groups map to no role, and an admin page to an operator', async () => {
      const noRole = await asPerson('10.1.2.3', 'staff');
      const keys = await asPerson('10.1.2.3', 'dlq-ops', '/console/api-keys');

      expect(noRole.statusCode).toBe(403);
      expect(noRole.body).toContain('has no role here');
      expect(keys.statusCode).toBe(403);
      expect(keys.body).toContain('Needs the admin role; pat@example.com has the operator role.');
    });
  });

  describe('console sign-in with OpenID Connect', () => {
    let app: NestFastifyApplication;
    let provider: TestOidcProvider;

    beforeAll(async () => {
      provider = await new TestOidcProvider('dlq-console', 'client-secret').start();
      app = await startSidecar(await createQueuePair(sqs), {
        CONSOLE_SIGN_IN: 'oidc',
        CONSOLE_PUBLIC_URL: 'https://dlq.example.test',
        CONSOLE_SESSION_SECRET: SESSION_SECRET,
        OIDC_ISSUER_URL: provider.issuer,
        OIDC_CLIENT_ID: 'dlq-console',
        OIDC_CLIENT_SECRET: 'client-secret',
        IDENTITY_ROLES_CLAIM: 'realm_access.roles',
      });
    });

    afterAll(async () => {
      await app?.close();
      await provider?.stop();
    });

    /** The browser's part: follow the redirect to the IdP and back, carrying the flow cookie. */
    async function signInAs(person: Record<string, unknown> & { sub: string }) {
      provider.nextPerson = person;
      const start = await app.inject({ method: 'GET', url: '/console/oidc/start' });
      const authorize = await fetch(String(start.headers.location), { redirect: 'manual' });
      const callback = new URL(String(authorize.headers.get('location')));
      return {
        start,
        finish: await app.inject({
          method: 'GET',
          url: callback.pathname + callback.search,
          headers: { cookie: cookieFrom(start.headers['set-cookie'], '__Host-dlq-console-oidc') },
        }),
      };
    }

    it('should sign in with the authorization code flow and PKCE, role from a nested claim', async () => {
      const { start, finish } = await signInAs({
        sub: 'u-1',
        name: 'Ada Admin',
        realm_access: { roles: ['admin', 'offline_access'] },
      });
      const page = await app.inject({
        method: 'GET',
        url: '/console/api-keys',
        headers: { cookie: cookieFrom(finish.headers['set-cookie']) },
      });

      const authorizationUrl = new URL(String(start.headers.location));
      expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorizationUrl.searchParams.get('redirect_uri')).toBe(
        'https://dlq.example.test/console/oidc/callback',
      );
      expect([finish.statusCode, finish.headers.location]).toEqual([303, '/console']);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Signed in as <strong>Ada Admin</strong> (admin)');
      expect(page.body).toContain('<td>ops-bot</td>');
    });

    it('should refuse an ID token not signed by the IdP JWKS key, and a person without a role', async () => {
      provider.forgeSignature = true;
      const forged = await signInAs({
        sub: 'u-2',
        name: 'Mallory',
        realm_access: { roles: ['admin'] },
      });
      provider.forgeSignature = false;
      const noRole = await signInAs({
        sub: 'u-3',
        name: 'Nora',
        realm_access: { roles: ['viewer'] },
      });

      expect(forged.finish.statusCode).toBe(401);
      expect(cookieFrom(forged.finish.headers['set-cookie'])).toBe('');
      expect(noRole.finish.statusCode).toBe(403);
      expect(noRole.finish.body).toContain('Nora has no role here');
    });

    it('should refuse a callback without the flow cookie it started with', async () => {
      provider.nextPerson = { sub: 'u-4', realm_access: { roles: ['admin'] } };
      const start = await app.inject({ method: 'GET', url: '/console/oidc/start' });
      const authorize = await fetch(String(start.headers.location), { redirect: 'manual' });
      const callback = new URL(String(authorize.headers.get('location')));

      const finish = await app.inject({ method: 'GET', url: callback.pathname + callback.search });

      expect(finish.statusCode).toBe(401);
      expect(finish.body).toContain('sign in again');
    });
  });
});
