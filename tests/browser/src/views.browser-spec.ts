import { createHash } from 'node:crypto';
import { Page } from 'playwright-core';
import { Browser, openBrowser } from './support/chromium';
import { expectAccessible, heading, screenshot } from './support/pages';
import { ConsoleStack, startConsoleStack } from './support/console-stack';
import { deadOrder, sendDeadOrders } from './support/dead-letters';

/** Waits until the sidecar's intake has recorded `total` open failed orders (its own count). */
async function recorded(page: Page, base: string, total: number): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    const live = await page.request.get(`${base}/console/live`);
    if (live.ok() && ((await live.json()) as { total: number }).total === total) {
      return;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`the sidecar did not record ${total} failed orders within 20 s`);
}

const OPERATOR_KEY = 'browser-spec-operator-key';

describe('console views of failed orders in Chromium (real sidecar, intake, PostgreSQL)', () => {
  const broken = deadOrder({ code: 'REJECTED_BY_DATABASE', note: 'gift wrap needle-7' });
  const others = [
    deadOrder({ code: 'REJECTED_BY_DATABASE' }),
    deadOrder({ code: 'INVALID_ENVELOPE', reason: 'items[0].quantity must be at least 1' }),
  ];

  describe('as the local operator (admin)', () => {
    let admin: ConsoleStack;
    let browser: Browser;

    beforeAll(async () => {
      admin = await startConsoleStack({ DLQ_WAIT_TIME_SECONDS: '1' });
      await sendDeadOrders(admin.stack, [broken, ...others]);
      browser = await openBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await admin?.stack.stop();
    });

    it('should sign in with the printed URL and show the open failed orders on the overview', async () => {
      const { page } = browser;

      await page.goto(admin.signInUrl);
      await recorded(page, admin.base, 3);
      await page.reload();

      expect(page.url()).toBe(`${admin.base}/console`);
      expect(await page.locator('[data-live="total"]').textContent()).toBe('3');
      await expectAccessible(page);
      await screenshot(page, 'overview-failed-orders');
    });

    it('should show the failure groups by impact with a 24 h trend, and what is new since a time', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console/groups`);

      await page.getByLabel('New since').fill('1h');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.waitForURL(/since=1h/);
      const rows = page.locator('table.groups tbody tr');

      expect(await heading(page)).toBe('Failure groups');
      expect(await rows.locator('th a').allTextContents()).toEqual([
        'REJECTED_BY_DATABASE',
        'INVALID_ENVELOPE',
      ]);
      expect(await rows.first().locator('[data-live]').textContent()).toBe('2');
      expect(
        await rows
          .first()
          .getByRole('link', { name: /2 new REJECTED_BY_DATABASE/ })
          .count(),
      ).toBe(1);
      expect(await rows.first().getByRole('img').getAttribute('aria-label')).toMatch(
        /^2 failures in the last 24 hours, 2 in the last hour/,
      );
      await expectAccessible(page);
      await screenshot(page, 'groups');
    });

    it('should keep triage on a group: owner, note, on hold (then listed last), audited', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console/groups`);
      const row = page.getByRole('row', { name: /REJECTED_BY_DATABASE/ });

      await row.getByText('Change triage').click();
      await row.getByLabel('Owner').fill('ada');
      await row.getByLabel('Note').fill('column widened in 1.4.2, redrive after deploy');
      await row.getByLabel('On hold (no alerts)').selectOption('true');
      await row.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(`${admin.base}/console/groups`);
      const codes = await page.locator('table.groups tbody tr th a').allTextContents();
      const triage = await page.getByRole('row', { name: /REJECTED_BY_DATABASE/ }).textContent();
      await page.goto(`${admin.base}/console/audit`);

      expect(codes).toEqual(['INVALID_ENVELOPE', 'REJECTED_BY_DATABASE']);
      expect(triage).toContain('On hold');
      expect(triage).toContain('Owner: ada');
      expect(triage).toContain('column widened in 1.4.2');
      expect(await page.getByRole('row', { name: /triage/ }).textContent()).toContain(
        'local operator (local-token)',
      );
    });

    it('should search an order id, open it, and show it with the customer id masked', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console`);

      await page.getByLabel('Find an order').fill(broken.orderId);
      await page.getByRole('button', { name: 'Find' }).click();
      await page.waitForURL((url) => url.searchParams.get('orderId') === broken.orderId);
      const status = await page.getByRole('status').textContent();
      await expectAccessible(page);
      await page.getByRole('link', { name: broken.orderId }).click();

      expect(status).toMatch(/1\s+failed order matches/);
      expect(await heading(page)).toBe(`Failed order ${broken.orderId}`);
      const body = await page.getByLabel('Order body').textContent();
      expect(JSON.parse(body ?? '')).toMatchObject({
        orderId: broken.orderId,
        order: { note: 'gift wrap needle-7' },
      });
      expect(await page.content()).not.toContain(broken.customerId);
      expect(await page.getByText('value too long for column sku').count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: 'Redrive' }).isEnabled()).toBe(true);
      await expectAccessible(page);
      await screenshot(page, 'order');
    });

    it('should find orders by text in the body, with the filter in the URL', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console/orders`);

      await page.getByLabel('Text in the body').fill('NEEDLE-7');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/q=NEEDLE-7/);
      const deepLink = page.url();
      await page.goto(`${admin.base}/console/orders?from=yesterday`);
      const problem = await page.getByRole('alert').textContent();
      await page.goto(deepLink);

      expect(await page.getByRole('link', { name: broken.orderId }).count()).toBe(1);
      expect(await page.locator('input[name="key"]').count()).toBe(1);
      expect(problem).toContain('from "yesterday" is neither an ISO time');
      await expectAccessible(page);
      await page.goto(`${admin.base}/console/orders`);
      await screenshot(page, 'orders');
    });

    it('should reveal a customer id only with a reason, and show the reveal in the audit log', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console/orders/${broken.orderId}`);

      await page
        .getByLabel('Why do you need the customer id?')
        .fill(`ticket OPS-42: call the customer ${broken.customerId}`);
      await page.getByRole('button', { name: 'Reveal' }).click();
      const revealed = await page.getByText(broken.customerId, { exact: true }).count();
      await page.getByRole('link', { name: 'Audit log' }).click();
      const reveal = page.getByRole('row', { name: /reveal/ });

      expect(revealed).toBeGreaterThan(0);
      expect(await reveal.textContent()).toContain('local operator (local-token)');
      expect(await reveal.textContent()).toContain('ticket OPS-42: call the customer');
      expect(await page.getByRole('row', { name: /show/ }).count()).toBeGreaterThan(0);
      expect(await page.content()).not.toContain(broken.customerId);
      await expectAccessible(page);
      await screenshot(page, 'audit');
    });

    it('should update the counts without a reload when new failures arrive', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console/groups`);
      const count = page.locator('[data-live="INVALID_ENVELOPE"]');
      const before = await count.textContent();
      await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same page'));

      await sendDeadOrders(admin.stack, [deadOrder({ code: 'INVALID_ENVELOPE' })]);
      await page.waitForFunction(
        () => document.querySelector('[data-live="INVALID_ENVELOPE"]')?.textContent === '2',
        undefined,
        { timeout: 30_000 },
      );

      expect(before).toBe('1');
      expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe(
        'same page',
      );
    });

    it('should fit a phone screen and stay accessible in dark mode on every view', async () => {
      const { page } = browser;
      const views = [
        '/console',
        '/console/groups',
        '/console/orders',
        `/console/orders/${broken.orderId}`,
        '/console/audit',
      ];
      await page.setViewportSize({ width: 390, height: 844 });
      await page.emulateMedia({ colorScheme: 'dark' });
      try {
        for (const path of views) {
          await page.goto(`${admin.base}${path}`);

          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          expect({ path, overflow }).toEqual({ path, overflow: 0 });
          await expectAccessible(page);
        }
        await page.goto(`${admin.base}/console/orders`);
        await screenshot(page, 'orders-phone-dark');
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.emulateMedia({ colorScheme: 'light' });
      }
    });
  });

  describe('as a reader', () => {
    let reader: ConsoleStack;
    let browser: Browser;

    beforeAll(async () => {
      reader = await startConsoleStack({
        CONSOLE_LOCAL_ROLE: 'reader',
        DLQ_WAIT_TIME_SECONDS: '1',
        OPERATOR_API_KEYS: `ops-bot:operator:${createHash('sha256').update(OPERATOR_KEY).digest('hex')}`,
      });
      await sendDeadOrders(reader.stack, [broken]);
      browser = await openBrowser();
      await browser.page.goto(reader.signInUrl);
      await recorded(browser.page, reader.base, 1);
    });

    afterAll(async () => {
      await browser?.close();
      await reader?.stack.stop();
    });

    it('should show the actions disabled with the reason, and refuse a reveal on the server', async () => {
      const { page } = browser;
      await page.goto(`${reader.base}/console/orders`);
      const planWhy = await page.locator('#why-plan').textContent();
      const planEnabled = await page.getByRole('button', { name: 'Plan redrive…' }).isEnabled();
      await expectAccessible(page);
      await page.getByRole('link', { name: broken.orderId }).click();
      const reveal = page.getByRole('button', { name: 'Reveal' });
      const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value');

      const refused = await page.request.post(
        `${reader.base}/console/orders/${broken.orderId}/reveal`,
        { form: { _csrf: String(csrf), reason: 'curious' } },
      );

      expect(planEnabled).toBe(false);
      expect(planWhy).toBe('Needs the operator role; local operator has the reader role.');
      expect(await reveal.isEnabled()).toBe(false);
      expect(await page.locator('#why-reveal').textContent()).toBe(
        'Needs the operator role; local operator has the reader role.',
      );
      expect(refused.status()).toBe(403);
      expect(await refused.text()).not.toContain(broken.customerId);
      await expectAccessible(page);
    });

    it('should mask the customer id of a plan made by customer in the audit log and the plans', async () => {
      const { page } = browser;
      const planned = await page.request.post(`${reader.base}/admin/dlq/plans`, {
        headers: { authorization: `Bearer ${OPERATOR_KEY}` },
        data: { customer: broken.customerId },
      });
      const planId = ((await planned.json()) as { plan: { id: string } }).plan.id;

      await page.goto(`${reader.base}/console/audit`);
      const audit = await page.content();
      const plan = await page.getByRole('row', { name: /redrive\.plan/ }).textContent();
      await page.goto(`${reader.base}/console/plans`);
      const plans = await page.content();
      await page.goto(`${reader.base}/console/plans/${planId}`);

      expect(planned.status()).toBe(201);
      expect(plan).toContain(`c••••${broken.customerId.slice(-2)}`);
      expect(audit).not.toContain(broken.customerId);
      expect(plans).not.toContain(broken.customerId);
      expect(await page.content()).not.toContain(broken.customerId);
      await expectAccessible(page);
    });
  });
});
