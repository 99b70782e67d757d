import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { projectPath } from '../../apps/shared/paths.js';
import { Api } from './api.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);
const SETTLE_MS = 120_000;

/** Debian's chromium, headless, with nothing that reaches the internet. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts a trade-settlement from the page's form; returns the id the page reports. */
async function startFromForm(page: Page, amount: number): Promise<string> {
  await page.getByLabel('Amount').fill(String(amount));
  const previous = await page.locator('#start-result').getAttribute('data-process-id');
  await page.getByRole('button', { name: 'Start process' }).click();
  const result = page.locator('#start-result');
  await expect.poll(() => result.getAttribute('data-process-id'), { timeout: 30_000 }).not.toBe(previous);
  return (await result.getAttribute('data-process-id'))!;
}

/** Waits until the page shows the process with `status`; returns its card. */
async function cardWithStatus(page: Page, id: string, status: string): Promise<Locator> {
  const selector = `li.process[data-process-id="${id}"][data-status="${status}"]`;
  await page.waitForSelector(selector, { timeout: SETTLE_MS });
  return page.locator(selector);
}

/** The step as the page shows it in `member`'s lane: its status and pins. */
async function stepIn(card: Locator, member: string, step: string) {
  const chip = card.locator(`.lane[data-member="${member}"] .step[data-step="${step}"]`);
  const pinOf = async (selector: string) =>
    (await chip.locator(selector).count()) === 0
      ? undefined
      : Number(await chip.locator(selector).getAttribute('data-pin'));
  return {
    status: await chip.getAttribute('data-status'),
    text: await chip.innerText(),
    pin: await pinOf('.pin'),
    compensationPin: await pinOf('.compensation'),
  };
}

describe('the dashboard at a gateway', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${api.url('buyer')}/`);
    await page.waitForSelector('#feed[data-state="live"]', { timeout: 30_000 });
    await page.waitForSelector('#readiness[data-ready="true"]', { timeout: 30_000 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("shows the member, the network's members and the start form", async () => {
    expect(await page.locator('#member-name').innerText()).toBe('buyer');
    expect(await page.title()).toBe('Baton · buyer');
    const items = await page.locator('#member-list li').all();
    const members = await Promise.all(items.map((li) => li.getAttribute('data-member')));
    expect(members.sort()).toEqual(['bank', 'buyer', 'seller']);
    expect(await page.getByLabel('Item').inputValue()).toBe('steel');
  });

  it('follows a trade-settlement started from the form live until it is completed, pins in ledger order', async () => {
    const id = await startFromForm(page, 500);
    const card = await cardWithStatus(page, id, 'completed');
    expect(await card.locator('.badge').innerText()).toMatch(/completed/i);
    const owners = [
      ['buyer', 'place-order'],
      ['seller', 'reserve-stock'],
      ['bank', 'approve-financing'],
      ['seller', 'ship'],
      ['buyer', 'confirm-receipt'],
    ];
    const steps = await Promise.all(owners.map(([member, step]) => stepIn(card, member, step)));
    for (const step of steps) {
      expect(step.status).toBe('done');
      expect(step.text).toContain(`pin #${step.pin}`);
    }
    const pins = steps.map((s) => s.pin!);
    expect([...pins].sort((a, b) => a - b)).toEqual(pins);
    // The page agrees with the gateway's own view.
    const view = await api.process('buyer', id);
    expect(view!.steps.map((s) => s.pin)).toEqual(pins);
    // Each pin shows up in the ledger view, named after its step.
    for (const [i, [, step]] of owners.entries())
      expect(await page.locator(`#pin-list li[data-pin="${pins[i]}"]`).innerText()).toContain(step);
    // Every lane links to that member's own workflow in the Temporal UI (the others' through CORS).
    for (const member of ['buyer', 'seller', 'bank']) {
      const link = card.locator(`.lane[data-member="${member}"] a.temporal`);
      await link.waitFor({ timeout: 30_000 });
      expect(await link.getAttribute('href')).toContain(encodeURIComponent(`trade-settlement/${id}/${member}`));
    }
  });

  it("shows the bank's rejection and the compensations, in reverse order, when the amount is too high", async () => {
    const id = await startFromForm(page, 2_000_000);
    const card = await cardWithStatus(page, id, 'compensated');
    expect(await card.locator('.reason').innerText()).toContain(
      "amount 2000000 exceeds the buyer's credit limit of 1000000",
    );
    const order = await stepIn(card, 'buyer', 'place-order');
    const stock = await stepIn(card, 'seller', 'reserve-stock');
    const financing = await stepIn(card, 'bank', 'approve-financing');
    const ship = await stepIn(card, 'seller', 'ship');
    expect([order.status, stock.status, financing.status, ship.status]).toEqual([
      'compensated',
      'compensated',
      'rejected',
      'pending',
    ]);
    expect(financing.text).toContain('exceeds');
    expect(stock.text).toContain(`↺ compensated · pin #${stock.compensationPin}`);
    expect(stock.compensationPin!).toBeGreaterThan(financing.pin!);
    expect(order.compensationPin!).toBeGreaterThan(stock.compensationPin!);
    expect(await card.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    expect(await page.locator(`#pin-list li[data-pin="${order.compensationPin}"]`).innerText()).toContain(
      'place-order compensated',
    );
    expect(pageErrors).toEqual([]);
    await page.locator('#error').waitFor({ state: 'hidden' });
    // The README's picture is taken again only when asked: a test run leaves the repository as it was.
    const shot = await page.screenshot({ fullPage: true });
    expect(shot.length).toBeGreaterThan(10_000);
    if (process.env.BATON_UPDATE_DOC_IMAGES === '1')
      writeFileSync(projectPath('docs', 'images', 'dashboard.png'), shot);
  });
});
