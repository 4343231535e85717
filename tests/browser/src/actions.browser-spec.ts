import { migratedDatabase } from '@orders/testing';
import { Page } from 'playwright-core';
import {
  ActionsStack,
  deadLetters,
  PROXY_HEADERS,
  startActionsStack,
} from './support/actions-stack';
import { Browser, openBrowser } from './support/chromium';
import { expectAccessible, heading, screenshot } from './support/pages';

/** What the views' list and order page do: a form with the chosen orders (or filter), posted by the browser. */
async function postForm(page: Page, action: string, fields: [string, string][]): Promise<void> {
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate(
      ({ action, fields }) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = action;
        const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content');
        for (const [name, value] of [...fields, ['_csrf', token ?? '']]) {
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = name;
          input.value = value;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      },
      { action, fields },
    ),
  ]);
}

describe('console actions in Chromium: redrive, staged plans, edit & retry, discard and restore', () => {
  let target: ActionsStack;
  let operator: Browser;
  let reader: Browser;

  /** Waits until the sidecar has recorded the dead letters (the admin API, as the operator). */
  async function recorded(query: string, count: number): Promise<void> {
    for (let tries = 0; tries < 100; tries++) {
      const response = await operator.page.request.get(`${target.base}/admin/dlq/records?${query}`);
      if (((await response.json()) as { total: number }).total === count) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the sidecar did not record ${count} letters for ${query}`);
  }

  async function makePlan(page: Page, field: string, value: string): Promise<string> {
    await page.goto(`${target.base}/console/plans`);
    await page.getByLabel(field).fill(value);
    await page.getByRole('button', { name: 'Dry run: make a plan' }).click();
    await page.waitForURL(/\/console\/plans\/[0-9a-f-]{36}$/);
    return page.url();
  }

  beforeAll(async () => {
    target = await startActionsStack();
    operator = await openBrowser();
    await operator.context.setExtraHTTPHeaders(PROXY_HEADERS.operator);
    reader = await openBrowser();
    await reader.context.setExtraHTTPHeaders(PROXY_HEADERS.reader);
  });

  afterAll(async () => {
    await operator?.close();
    await reader?.close();
    await target?.stack.stop();
    target?.sqs.destroy();
  });

  it('should redrive one order from a dry run and show it stored as the page follows the plan', async () => {
    const [orderId] = await deadLetters(target, 'REJECTED_BY_DATABASE', 'database was down', 1);
    await recorded(`order=${orderId}`, 1);
    const { page } = operator;

    await makePlan(page, 'Order id', orderId);
    expect(await heading(page)).toBe('Redrive plan of 1 order');
    expect(await page.getByText('Planned (dry run): nothing sent yet').count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'plan-dry-run');
    await page.getByRole('button', { name: 'Apply all 1' }).click();

    await page.getByRole('cell', { name: 'stored' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('row').nth(1).textContent()).toContain(orderId);
    expect(await page.getByRole('status').first().textContent()).toMatch(/stored\s+1,/);
    await expectAccessible(page);
  });

  it('should apply a staged plan to a failure group: 1, then 2, then the rest, all stored', async () => {
    await deadLetters(target, 'DB_DOWN', 'connection refused', 5);
    await recorded('code=DB_DOWN', 5);
    const { page } = operator;

    await makePlan(page, 'Failure code', 'DB_DOWN');
    expect(await heading(page)).toBe('Redrive plan of 5 orders');
    const why = page.getByRole('listitem').filter({ hasText: 'connection refused' });
    expect((await why.textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      '5 × DB_DOWN: connection refused',
    );
    await page.getByLabel('Stages before the rest').fill('1,2');
    await page.getByRole('button', { name: 'Start staged redrive' }).click();

    await page.getByText(/^Done$/).waitFor({ timeout: 45_000 });
    await page.getByText('pending: 0').waitFor({ timeout: 30_000 });
    const stages = await page.locator('#live tbody tr td:nth-child(3)').allTextContents();
    expect(stages.map((stage) => stage.trim()).sort()).toEqual(['1', '2', '2', '3', '3']);
    expect(await page.locator('#live .outcome-stored').count()).toBe(5);
    await expectAccessible(page);
    await screenshot(page, 'plan-staged-done');
  });

  it('should pause a staged plan by itself when its first order fails again, and cancel it', async () => {
    await deadLetters(target, 'BAD_QUANTITY', 'quantity must not be less than 1', 3, 0);
    await recorded('code=BAD_QUANTITY', 3);
    const { page } = operator;

    await makePlan(page, 'Failure code', 'BAD_QUANTITY');
    await page.getByLabel('Stages before the rest').fill('1,1');
    await page.getByRole('button', { name: 'Start staged redrive' }).click();

    const paused = page.getByRole('alert').filter({ hasText: 'Paused' });
    await paused.waitFor({ timeout: 45_000 });
    expect(await paused.textContent()).toMatch(/1 of 1 orders of stage 1 failed again/);
    expect(await page.getByText('not sent yet: 2').count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'plan-paused');
    await page.getByRole('button', { name: 'Cancel the plan' }).click();

    await page.getByText(/^Cancelled$/).waitFor();
    expect(await page.getByRole('button', { name: 'Resume with the next stage' }).count()).toBe(0);
  });

  it('should offer to take over a plan whose sender stopped reporting, and finish it', async () => {
    const [orderId] = await deadLetters(target, 'TAKE_OVER', 'database was down', 1);
    await recorded(`order=${orderId}`, 1);
    const { page } = operator;
    const planUrl = await makePlan(page, 'Order id', orderId);
    // What a replica killed mid-plan leaves behind: applying, its last report a minute old.
    const database = await migratedDatabase();
    try {
      await database.dataSource.query(
        `UPDATE dlq_plans SET state = 'applying', applied_by = 'a killed replica',
                heartbeat_at = now() - interval '1 minute' WHERE id = $1`,
        [planUrl.split('/').pop()],
      );
    } finally {
      await database.close();
    }

    await page.reload();
    expect(await page.getByRole('alert').textContent()).toContain(
      'a killed replica was sending it and stopped reporting',
    );
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Take over and go on' }).click();

    await page.getByRole('cell', { name: 'stored' }).waitFor({ timeout: 30_000 });
  });

  it('should name the invalid field in the browser before sending, show the diff, and store the corrected order', async () => {
    const [orderId] = await deadLetters(target, 'INVALID_ORDER', 'quantity too large', 1, 5000);
    await recorded(`order=${orderId}`, 1);
    const { page } = operator;
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') {
        posts.push(request.url());
      }
    });
    await page.goto(`${target.base}/console/orders/${orderId}/edit`);
    expect(await heading(page)).toBe('Edit and retry');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Review the change' }).click();

    const problems = page.locator('#form-problems');
    await problems.waitFor();
    expect(await problems.textContent()).toContain('Quantity of item 1:');
    expect(posts).toEqual([]);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe(
      'items.0.quantity',
    );
    await expectAccessible(page);
    await screenshot(page, 'edit-invalid');

    await page.getByLabel('Quantity of item 1').fill('3');
    await page.getByRole('button', { name: 'Review the change' }).click();
    await page.getByRole('heading', { level: 1, name: 'Review the change' }).waitFor();
    const row = page.getByRole('row', { name: /items\.0\.quantity/ });
    expect((await row.textContent())?.replace(/\s+/g, ' ')).toContain('items.0.quantity 5000 3');
    await expectAccessible(page);
    await screenshot(page, 'edit-review');
    await page.getByRole('button', { name: 'Send the corrected order' }).click();

    await page.waitForURL(/\/console\/plans\/[0-9a-f-]{36}$/);
    await page.getByRole('cell', { name: 'stored' }).waitFor({ timeout: 30_000 });
    const shown = await page.request.get(`${target.base}/admin/dlq/records/${orderId}`);
    const [record] = (await shown.json()) as { edits: { diff: { path: string }[] }[] }[];
    expect(record.edits.map((edit) => edit.diff.map((entry) => entry.path))).toEqual([
      ['items.0.quantity'],
    ]);
  });

  it('should discard a group softly with the count typed back, and restore it', async () => {
    await deadLetters(target, 'DISCARD_ME', 'test order', 3);
    await recorded('code=DISCARD_ME', 3);
    const { page } = operator;
    await page.goto(`${target.base}/console/plans`);

    await postForm(page, '/console/discard', [
      ['scope', 'filter'],
      ['code', 'DISCARD_ME'],
    ]);
    expect(await heading(page)).toBe('Discard 3 orders?');
    await expectAccessible(page);
    await screenshot(page, 'discard-confirm');
    await page.getByLabel('Type 3 to discard them').fill('2');
    await page.getByRole('button', { name: 'Discard 3 orders' }).click();
    const blocked = await heading(page);
    await page.getByLabel('Type 3 to discard them').fill('3');
    await page.getByRole('button', { name: 'Discard 3 orders' }).click();
    await page.getByRole('heading', { level: 1, name: 'Discarded 3 orders' }).waitFor();
    await recorded('code=DISCARD_ME&state=discarded', 3);
    await expectAccessible(page);
    await page.getByLabel('Type 3 to restore them again').fill('3');
    await page.getByRole('button', { name: 'Undo: restore them' }).click();

    await page.getByRole('heading', { level: 1, name: 'Restored 3 orders' }).waitFor();
    expect(blocked).toBe('Discard 3 orders?');
    await recorded('code=DISCARD_ME&state=failed', 3);
  });

  it('should show a reader the actions disabled with the reason, and refuse them on the server', async () => {
    const [orderId] = await deadLetters(target, 'FOR_READER', 'database was down', 1);
    await recorded(`order=${orderId}`, 1);
    const planUrl = await makePlan(operator.page, 'Order id', orderId);
    const { page } = reader;
    const reason = 'Needs the operator role; rita@example.test has the reader role.';

    await page.goto(planUrl);
    const staged = page.getByRole('button', { name: 'Start staged redrive' });
    expect(await staged.isDisabled()).toBe(true);
    expect(
      await page.locator(`#${await staged.getAttribute('aria-describedby')}`).textContent(),
    ).toBe(reason);
    expect(await page.getByRole('button', { name: 'Apply all 1' }).isDisabled()).toBe(true);
    await expectAccessible(page);
    await screenshot(page, 'plan-reader');
    await page.goto(`${target.base}/console/orders/${orderId}/edit`);
    expect(await page.getByRole('button', { name: 'Review the change' }).isDisabled()).toBe(true);
    await postForm(page, `${new URL(planUrl).pathname}/apply`, [['mode', 'all']]);

    expect(await heading(page)).toBe('Not allowed');
    expect(await page.getByRole('alert').textContent()).toBe(reason);
    const still = await operator.page.request.get(
      `${target.base}/admin/dlq/plans/${planUrl.split('/').pop()}`,
    );
    expect(((await still.json()) as { plan: { state: string } }).plan.state).toBe('planned');
  });
});
