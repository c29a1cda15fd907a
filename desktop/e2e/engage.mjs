// What the campaign side's browser tests share: signing in as staff whose first screen is
// not the worklist.

import { STAFF } from './fixtures.mjs';
import { WAIT_MS } from './harness.mjs';

export const MANAGER = STAFF.find((member) => member.roles.includes('campaign_manager'));
export const SUPERVISOR = STAFF.find((member) => member.roles.includes('supervisor'));
export const AGENT = STAFF[0];

/** Sign in through the form and wait for the first screen's heading. */
export async function signInAs(page, env, account) {
  await page.goto(`${env.url}/`);
  await page.locator('#username').fill(account.username);
  await page.locator('#password').fill(account.password);
  await page.locator('form button[type=submit]').click();
  await page.locator('h1.screen-title').first().waitFor({ timeout: 3 * WAIT_MS });
  await page.getByRole('button', { name: /Tanca la sessió|Sign out|Cerrar sesión/ }).waitFor();
}

/** The main navigation's link names. */
export async function navNames(page) {
  return page.getByRole('navigation', { name: 'Principal' }).getByRole('link').allInnerTexts();
}
