// Goal: the web console drives replication end to end in a real browser, as the walkthrough
// does by clicking: sign in on site-a, make a replication rule and a policy, create a protected
// volume, see its session reach OK on the overview, cut the link in the faults panel and see
// System_Paused and the lag growing without a reload, fail over unplanned on site-b's console,
// restore the link and reprotect there; an Operator sees no action buttons. Method: two systems in
// this process on real clocks and real HTTPS sockets, paired as Ansible pairs them; Debian's
// Chromium driven by playwright-core; a screenshot of each step in the test's temp directory
// (kept with TANDEM_KEEP_E2E=1). No browser console error is allowed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserMissing, launchBrowser, openConsole, signIn, type ConsolePage } from '../helpers/browser.ts';
import { REPO_ROOT } from '../helpers/processes.ts';
import { ADMIN_PASSWORD, startTestSystem, type TestSystem } from '../helpers/system.ts';

const missing = browserMissing();
const shots = mkdtempSync(join(tmpdir(), 'tandem-console-e2e-'));
/** How long a state may take to show: link loss takes two missed 2 s heartbeats. */
const STATE_WAIT_MS = 20_000;

let a: TestSystem | undefined;
let b: TestSystem | undefined;
let browser: Browser | undefined;
const pages: ConsolePage[] = [];

before(async () => {
  if (missing) return;
  if (!existsSync(join(REPO_ROOT, 'ui/dist/index.html'))) {
    const built = spawnSync(process.execPath, ['scripts/build-ui.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  }
  a = await startTestSystem({ name: 'site-a' });
  b = await startTestSystem({ name: 'site-b' });
  const exchange = await a.ps('POST', '/x509_certificate/exchange', { service: 'Replication_HTTP', address: '127.0.0.1', port: b.system.ports.https, username: 'admin', password: ADMIN_PASSWORD });
  assert.equal(exchange.status, 204, JSON.stringify(exchange.body));
  const rs = await a.ps('POST', '/remote_system', { management_address: '127.0.0.1', management_port: b.system.ports.https, type: 'PowerStore', data_network_latency: 'Low' });
  assert.equal(rs.status, 201, JSON.stringify(rs.body));
  await a.system.services.heartbeat.tick();
  await b.system.services.heartbeat.tick();
  browser = await launchBrowser();
});

after(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await a?.close();
  await b?.close();
  if (process.env.TANDEM_KEEP_E2E) console.log(`screenshots in ${shots}`);
  else rmSync(shots, { recursive: true, force: true });
});

const url = (t: TestSystem) => `https://127.0.0.1:${t.system.ports.https}/`;
const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
const row = (page: Page, resource: string) => page.getByTestId(`session-${resource}`);

async function waitForState(page: Page, resource: string, state: string): Promise<void> {
  await page.locator(`[data-testid="session-${resource}"][data-state="${state}"]`).waitFor({ timeout: STATE_WAIT_MS });
}

async function lagSeconds(page: Page, resource: string): Promise<number> {
  return Number(await row(page, resource).getByTestId('lag').getAttribute('data-seconds'));
}

async function fillDialog(page: Page, values: Record<string, string>, submit: string): Promise<void> {
  const dialog = page.getByRole('dialog');
  for (const [name, value] of Object.entries(values)) {
    const field = dialog.locator(`[name="${name}"]`);
    if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption({ label: value });
    else await field.fill(value);
  }
  await dialog.getByRole('button', { name: submit, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

test('the console protects a volume, shows a cut link live, fails over unplanned on the other system and reprotects', async (t) => {
  if (missing) return t.skip(missing);
  const startedMs = Date.now();
  const onA = await openConsole(browser!, url(a!));
  pages.push(onA);
  const pa = onA.page;
  await shot(pa, '01-login');
  await signIn(pa, 'admin', ADMIN_PASSWORD);
  await pa.getByText('connected').waitFor({ timeout: STATE_WAIT_MS });

  // Rule, policy, protected volume: the PowerStore calls automation makes, by clicking.
  await pa.getByRole('link', { name: 'Protection' }).click();
  await pa.getByRole('button', { name: 'Create replication rule' }).click();
  await fillDialog(pa, { name: 'rr-ui', rpo: 'Five Minutes', remote: 'site-b' }, 'Create');
  await pa.getByTestId('rule-rr-ui').waitFor();
  await pa.getByRole('button', { name: 'Create policy' }).click();
  await fillDialog(pa, { name: 'pp-ui', rule: 'rr-ui (Five Minutes)' }, 'Create');
  await pa.getByTestId('policy-pp-ui').waitFor();
  await shot(pa, '02-protection');
  await pa.getByRole('link', { name: 'Volumes & groups' }).click();
  await pa.getByRole('button', { name: 'Create volume' }).click();
  await fillDialog(pa, { name: 'web1', size: '64M', policy: 'pp-ui' }, 'Create');
  await pa.getByTestId('volume-web1').waitFor();
  const nbd = await pa.getByTestId('volume-web1').locator('code').textContent();
  assert.equal(nbd, `nbd://127.0.0.1:${a!.system.ports.nbd}/web1`);
  await shot(pa, '03-volumes');

  await pa.getByRole('link', { name: 'Overview' }).click();
  await waitForState(pa, 'web1', 'OK');
  assert.match((await row(pa, 'web1').textContent()) ?? '', /site-a → site-b/);
  await shot(pa, '04-session-ok');

  // Cut the link in the faults panel; the overview shows it without a reload.
  await pa.getByRole('link', { name: 'Faults' }).click();
  await pa.getByRole('button', { name: 'Cut the link' }).click();
  await pa.getByTestId('fault-link_down').waitFor();
  await pa.getByRole('link', { name: 'Overview' }).click();
  await waitForState(pa, 'web1', 'System_Paused');
  await pa.getByTestId('remote-site-b').getByText('lost').waitFor({ timeout: STATE_WAIT_MS });
  const lagBefore = await lagSeconds(pa, 'web1');
  await pa.waitForTimeout(3200);
  const lagAfter = await lagSeconds(pa, 'web1');
  assert.ok(lagAfter >= lagBefore + 2, `lag grows while the link is cut: ${lagBefore} s then ${lagAfter} s`);
  await shot(pa, '05-link-cut');

  // Unplanned failover on site-b's console.
  const onB = await openConsole(browser!, url(b!));
  pages.push(onB);
  const pb = onB.page;
  await signIn(pb, 'admin', ADMIN_PASSWORD);
  await waitForState(pb, 'web1', 'System_Paused');
  await row(pb, 'web1').getByRole('button', { name: 'Actions for web1' }).click();
  await pb.getByRole('dialog').getByRole('button', { name: 'Unplanned failover' }).click();
  await shot(pb, '06-confirm-unplanned');
  await pb.getByRole('dialog').getByRole('button', { name: 'Unplanned failover' }).click();
  await waitForState(pb, 'web1', 'Failed_Over');
  await pb.getByText('Unplanned failover of web1: done').waitFor();
  await shot(pb, '07-failed-over');

  // The link returns (site-a's faults panel), site-a steps down; reprotect from site-b.
  await pa.getByRole('link', { name: 'Faults' }).click();
  await pa.getByRole('button', { name: 'Remove fault link_down' }).click();
  await pa.getByText('No active faults.').waitFor();
  await pa.getByRole('link', { name: 'Overview' }).click();
  await pa.locator('[data-testid="session-web1"]', { hasText: 'here: destination' }).waitFor({ timeout: STATE_WAIT_MS });
  await row(pb, 'web1').getByRole('button', { name: 'Actions for web1' }).click();
  await pb.getByRole('dialog').getByRole('button', { name: 'Reprotect' }).click();
  await pb.getByRole('dialog').getByRole('button', { name: 'Reprotect' }).click();
  await waitForState(pb, 'web1', 'OK');
  assert.match((await row(pb, 'web1').textContent()) ?? '', /site-b → site-a/);
  await waitForState(pa, 'web1', 'OK');
  await shot(pb, '08-reprotected');

  // The events page has the story: the failover and the link loss.
  await pb.getByRole('link', { name: 'Events' }).click();
  await pb.getByText(/failed over|Failover|failover/).first().waitFor();
  await shot(pb, '09-events');

  assert.deepEqual(onA.errors, [], 'no browser console error on site-a');
  assert.deepEqual(onB.errors, [], 'no browser console error on site-b');
  t.diagnostic(`walkthrough took ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
});

test('an Operator signs in and sees no action buttons', async (t) => {
  if (missing) return t.skip(missing);
  assert.equal((await a!.control('POST', '/users', { name: 'viewer', password: 'Viewer-Pass-1', role: 'Operator' })).status, 201);
  const c = await openConsole(browser!, url(a!));
  pages.push(c);
  await signIn(c.page, 'viewer', 'Viewer-Pass-1');
  await c.page.getByText('Operator').waitFor();
  assert.equal(await c.page.getByRole('button', { name: /^Actions for/ }).count(), 0);
  await c.page.getByRole('link', { name: 'Volumes & groups' }).click();
  await c.page.getByTestId('volume-web1').waitFor();
  assert.equal(await c.page.getByRole('button', { name: 'Create volume' }).count(), 0);
  assert.equal(await c.page.getByRole('button', { name: /^Delete/ }).count(), 0);
  await c.page.getByRole('link', { name: 'Faults' }).click();
  await c.page.getByText('Fault injection is for administrators.').waitFor();
  await shot(c.page, '10-operator');
  assert.deepEqual(c.errors, []);
});

test('a tenant user sees only its tenant\'s volumes and sessions', async (t) => {
  if (missing) return t.skip(missing);
  const blue = await a!.ps('POST', '/volume', { name: 'blue1', size: 8 * 1024 * 1024 });
  assert.equal(blue.status, 201);
  assert.equal((await a!.control('PUT', `/volumes/${blue.body.id}/tenant`, { tenant: 'blue' })).status, 200);
  assert.equal((await a!.control('POST', '/users', { name: 'blue-admin', password: 'Blue-Pass-1', role: 'Storage_Administrator', tenant: 'blue' })).status, 201);
  const c = await openConsole(browser!, url(a!));
  pages.push(c);
  await signIn(c.page, 'blue-admin', 'Blue-Pass-1');
  await c.page.getByText('tenant blue').waitFor();
  await c.page.getByText('No replication sessions.').waitFor();
  await c.page.getByRole('link', { name: 'Volumes & groups' }).click();
  await c.page.getByTestId('volume-blue1').waitFor();
  assert.equal(await c.page.getByTestId('volume-web1').count(), 0, "another tenant's volume is not listed");
  await shot(c.page, '11-tenant');
  assert.deepEqual(c.errors, []);
});

test('a wrong password is refused on the sign-in page', async (t) => {
  if (missing) return t.skip(missing);
  const c = await openConsole(browser!, url(a!));
  pages.push(c);
  await c.page.getByLabel('User').fill('admin');
  await c.page.getByLabel('Password').fill('not-the-password');
  await c.page.getByRole('button', { name: 'Sign in' }).click();
  await c.page.getByRole('alert').getByText(/Wrong user name or password|Authentication/).waitFor();
});
