import { Browser, openBrowser } from './support/chromium';
import { expectAccessible, heading, screenshot } from './support/pages';
import { ConsoleStack, startConsoleStack } from './support/console-stack';

describe('operator console in Chromium, served by the real dlq-sidecar', () => {
  describe('as the local operator (admin), signed in with the printed link', () => {
    let admin: ConsoleStack;
    let browser: Browser;

    beforeAll(async () => {
      admin = await startConsoleStack({
        OPERATOR_API_KEYS: `ci-bot:operator:${'0'.repeat(64)}`,
      });
      browser = await openBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await admin?.stack.stop();
    });

    it('should show nothing but the sign-in page without the token', async () => {
      const { page } = browser;

      await page.goto(`${admin.base}/console/permissions`);

      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
      expect(await heading(page)).toBe('Sign in');
      expect(await page.getByRole('navigation').count()).toBe(0);
      expect(await page.content()).not.toContain('What may I do');
      await expectAccessible(page);
      await screenshot(page, 'sign-in');
    });

    it('should sign in with the printed URL and leave no token in the address bar', async () => {
      const { page } = browser;

      await page.goto(admin.signInUrl);

      expect(page.url()).toBe(`${admin.base}/console`);
      expect(await heading(page)).toBe('Overview');
      expect(await page.getByText('Signed in as').textContent()).toBe(
        'Signed in as local operator (admin)',
      );
      await expectAccessible(page);
      await screenshot(page, 'overview-1280x800');
    });

    it('should refuse the printed URL a second time', async () => {
      const second = await openBrowser();
      try {
        await second.page.goto(admin.signInUrl);

        expect(await heading(second.page)).toBe('Sign in');
        expect(await second.page.getByRole('alert').textContent()).toContain('was used already');
        await expectAccessible(second.page);
      } finally {
        await second.close();
      }
    });

    it('should reach the views with the keyboard alone, skip link first', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console`);

      const reached: string[] = [];
      for (let press = 0; press < 10 && !reached.includes('What may I do'); press += 1) {
        await page.keyboard.press('Tab');
        reached.push(await page.evaluate(() => document.activeElement?.textContent?.trim() ?? ''));
      }
      const outline = await page.evaluate(
        () => getComputedStyle(document.activeElement as Element).outlineStyle,
      );
      await page.keyboard.press('Enter');
      await page.waitForURL(`${admin.base}/console/permissions`);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');

      expect(reached).toEqual([
        'Skip to content',
        'DLQ console',
        'Sign out',
        'Overview',
        'Failure groups',
        'Failed orders',
        'Redrive plans',
        'Audit log',
        'What may I do',
      ]);
      expect(outline).toBe('solid');
      expect(await heading(page)).toBe('What may I do');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('content');
    });

    it('should list what the admin may do, and the API key holders without their keys', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console/permissions`);
      const refused = await page.getByText('Not allowed').count();
      await expectAccessible(page);
      await screenshot(page, 'permissions-admin');

      await page.getByRole('link', { name: 'API keys' }).click();

      expect(refused).toBe(0);
      expect(await heading(page)).toBe('API keys');
      expect(await page.getByRole('cell', { name: 'ci-bot' }).count()).toBe(1);
      expect(await page.content()).not.toContain('0'.repeat(64));
      await expectAccessible(page);
    });

    it('should follow the system dark mode', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console/permissions`);
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

      const light = await background();
      await page.emulateMedia({ colorScheme: 'dark' });
      const dark = await background();

      expect(light).toBe('rgb(255, 255, 255)');
      expect(dark).toBe('rgb(13, 17, 23)');
      await expectAccessible(page);
      await screenshot(page, 'permissions-dark');
      await page.emulateMedia({ colorScheme: 'light' });
    });

    it('should fit a phone screen without sideways scrolling', async () => {
      const { page } = browser;
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        for (const path of ['/console', '/console/permissions', '/console/api-keys']) {
          await page.goto(`${admin.base}${path}`);

          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          expect({ path, overflow }).toEqual({ path, overflow: 0 });
          await expectAccessible(page);
        }
        await page.goto(`${admin.base}/console/permissions`);
        await screenshot(page, 'permissions-phone');
      } finally {
        await page.setViewportSize({ width: 1280, height: 800 });
      }
    });

    it('should sign out, after which only the sign-in page shows', async () => {
      const { page } = browser;
      await page.goto(`${admin.base}/console`);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${admin.base}/console/sign-in`);
      await page.goto(`${admin.base}/console`);

      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    });
  });

  describe('as a reader', () => {
    let reader: ConsoleStack;
    let browser: Browser;

    beforeAll(async () => {
      reader = await startConsoleStack({ CONSOLE_LOCAL_ROLE: 'reader' });
      browser = await openBrowser();
      await browser.page.goto(reader.signInUrl);
    });

    afterAll(async () => {
      await browser?.close();
      await reader?.stack.stop();
    });

    it('should show the operator actions as not allowed, with the reason', async () => {
      const { page } = browser;
      await page.goto(`${reader.base}/console/permissions`);
      const redriveRow = page.getByRole('row', { name: /Redrive failed orders/ });

      expect(await redriveRow.getByText('Not allowed').count()).toBe(1);
      expect(await redriveRow.textContent()).toContain(
        'Needs the operator role; local operator has the reader role.',
      );
      const keys = page.getByText('API keys', { exact: true });
      expect(await keys.getAttribute('aria-disabled')).toBe('true');
      expect(await page.locator('#keys-why').textContent()).toBe(
        'Needs the admin role; local operator has the reader role.',
      );
      await expectAccessible(page);
      await screenshot(page, 'permissions-reader');
    });

    it('should have the server refuse a redrive and an admin page, whatever the page shows', async () => {
      const { page } = browser;
      await page.goto(`${reader.base}/console`);
      const csrf = await page.locator('input[name="_csrf"]').getAttribute('value');

      const redrive = await page.request.post(`${reader.base}/admin/dlq/plans`, {
        headers: { 'x-csrf-token': String(csrf) },
        data: { all: true },
      });
      const withoutToken = await page.request.post(`${reader.base}/admin/dlq/plans`, {
        data: { all: true },
      });
      const keysPage = await page.goto(`${reader.base}/console/api-keys`);

      expect(redrive.status()).toBe(403);
      expect(await redrive.json()).toMatchObject({
        code: 'NOT_ALLOWED',
        message: 'Needs the operator role; local operator has the reader role.',
      });
      expect([withoutToken.status(), (await withoutToken.json()).code]).toEqual([
        403,
        'CSRF_REJECTED',
      ]);
      expect(keysPage?.status()).toBe(403);
      expect(await page.getByRole('alert').textContent()).toContain('Needs the admin role');
      await expectAccessible(page);
    });
  });
});
