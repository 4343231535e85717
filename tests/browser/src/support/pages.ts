import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { seriousAxeViolations } from './chromium';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const SHOTS = join(REPO_ROOT, 'tmp', 'console-screenshots');
const DOCS_SHOTS = join(REPO_ROOT, 'docs', 'console');

/** Into tmp/ on every run; into docs/console/ as well with UPDATE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SHOTS, { recursive: true });
    copyFileSync(join(SHOTS, `${name}.png`), join(DOCS_SHOTS, `${name}.png`));
  }
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousAxeViolations(page)).toEqual([]);
}

export const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();
