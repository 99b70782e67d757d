import { Worker } from 'node:worker_threads';
import type { ReceivedEvent } from './member-feed.js';
import type { LoopDelay } from './procs.js';

/** Where the observer thread connects. */
export interface ObserverSetup {
  gateways: Record<string, string>;
  rpcUrl: string;
  wsUrl: string;
}

/** The main thread asks. */
export type ObserverRequest =
  | { op: 'record'; on: boolean }
  | { op: 'blocks'; on: boolean }
  | { op: 'wait-final'; id: number; processId: string; timeoutMs: number }
  | { op: 'take'; id: number }
  | { op: 'close' };

/** A level's record: every event received and when each block became visible. */
export interface Observed {
  events: ReceivedEvent[];
  seenAt: [block: number, at: number][];
  /** The observer thread's own event-loop delay while recording: what its timestamps may be late by. */
  loopDelayMs: LoopDelay;
}

/** The observer thread answers. */
export type ObserverReply =
  | { op: 'ready'; durable: boolean }
  | { op: 'failed'; error: string }
  | { op: 'final'; id: number; error?: string }
  | { op: 'taken'; id: number; observed: Observed };

/**
 * The benchmark's subscriber and block clock, on a thread of their own.
 * Delivery is measured from when a block became visible to when its events
 * reached a subscriber; both moments are stamped by this thread's event
 * loop, which does nothing else, so neither waits behind the load the main
 * thread drives (REST calls, plain Temporal's client) nor behind the chain's
 * journaling proxy, which the local network runs in the main thread. An
 * app's subscriber is a process of its own too.
 *
 * @example
 *   const observer = await Observer.start({ gateways, rpcUrl, wsUrl });
 *   observer.record(true);
 *   await observer.waitFinal(processId, 300_000);
 *   const { events, seenAt } = await observer.take();
 */
export class Observer {
  private next = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly worker: Worker,
    readonly durable: boolean,
  ) {
    worker.on('message', (m: ObserverReply) => this.answered(m));
    worker.on('error', (err: Error) => this.failAll(err));
    worker.on('exit', (code) => this.failAll(new Error(`observer thread exited (${code})`)));
  }

  static start(setup: ObserverSetup): Promise<Observer> {
    const worker = new Worker(new URL('./observer-thread.js', import.meta.url), { workerData: setup });
    return new Promise((resolve, reject) => {
      const early = (err: Error) => reject(err);
      worker.once('error', early);
      worker.once('message', (m: ObserverReply) => {
        worker.off('error', early);
        if (m.op === 'ready') resolve(new Observer(worker, m.durable));
        else reject(new Error(`observer thread: ${m.op === 'failed' ? m.error : m.op}`));
      });
    });
  }

  /** Starts or stops keeping every event received (for a level's delivery figures). */
  record(on: boolean): void {
    this.send({ op: 'record', on });
  }

  /** Follows the chain's blocks or rests (an idle window measures the network alone). */
  watchBlocks(on: boolean): void {
    this.send({ op: 'blocks', on });
  }

  /** Resolves when `processId` reached a final state at every member. */
  waitFinal(processId: string, timeoutMs: number): Promise<void> {
    return this.ask((id) => ({ op: 'wait-final', id, processId, timeoutMs }));
  }

  /** What was recorded since the last `record(true)`. */
  take(): Promise<Observed> {
    return this.ask((id) => ({ op: 'take', id }));
  }

  async close(): Promise<void> {
    this.send({ op: 'close' });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void this.worker.terminate().then(() => resolve()), 2_000);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private send(request: ObserverRequest): void {
    this.worker.postMessage(request);
  }

  private ask<T>(request: (id: number) => ObserverRequest): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send(request(id));
    });
  }

  private answered(m: ObserverReply): void {
    if (m.op !== 'final' && m.op !== 'taken') return;
    const waiter = this.pending.get(m.id);
    if (!waiter) return;
    this.pending.delete(m.id);
    if (m.op === 'taken') waiter.resolve(m.observed);
    else if (m.error) waiter.reject(new Error(m.error));
    else waiter.resolve(undefined);
  }

  private failAll(err: Error): void {
    for (const w of this.pending.values()) w.reject(err);
    this.pending.clear();
  }
}
