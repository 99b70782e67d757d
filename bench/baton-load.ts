import type { Observer } from './observer.js';

/** Starts one trade-settlement over the buyer's REST API; ends when it is final at every member. */
export async function runBatonTrade(buyerGateway: string, observer: Pick<Observer, 'waitFinal'>): Promise<void> {
  const res = await fetch(`${buyerGateway}/api/v1/processes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'trade-settlement', input: { item: 'steel', quantity: 10, amount: 500 } }),
  });
  if (res.status !== 202) throw new Error(`start refused: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  await observer.waitFinal(id, 300_000);
}
