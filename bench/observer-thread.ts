import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { BlockClock } from './chain-watch.js';
import { MemberFeeds } from './member-feed.js';
import type { ObserverReply, ObserverRequest, ObserverSetup } from './observer.js';

/** The observer thread (see `Observer` in observer.ts): the benchmark's subscriber and block clock. */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('observer-thread.js runs as a worker thread (bench/observer.ts)');
  const reply = (m: ObserverReply) => port.postMessage(m);
  const setup = workerData as ObserverSetup;
  let feeds: MemberFeeds;
  try {
    feeds = await MemberFeeds.open(setup.gateways);
  } catch (err) {
    reply({ op: 'failed', error: (err as Error).message });
    return;
  }
  const clock = new BlockClock(setup.rpcUrl, setup.wsUrl);
  clock.start();
  // How late this loop may stamp an event or a block, timed at the members'
  // 10 ms: each tick wakes this otherwise idle thread, and costs CPU the network lacks.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  port.on('message', (m: ObserverRequest) => {
    switch (m.op) {
      case 'record':
        feeds.recording = m.on;
        if (m.on) {
          feeds.events = [];
          delay.reset();
          delay.enable();
        } else delay.disable();
        return;
      case 'blocks':
        if (m.on) clock.start();
        else clock.stop();
        return;
      case 'wait-final':
        feeds.waitFinal(m.processId, m.timeoutMs).then(
          () => reply({ op: 'final', id: m.id }),
          (err: Error) => reply({ op: 'final', id: m.id, error: err.message }),
        );
        return;
      case 'take':
        reply({
          op: 'taken',
          id: m.id,
          observed: {
            events: feeds.events,
            seenAt: [...clock.seenAt],
            loopDelayMs: { p99: ms(delay.percentile(99)), max: ms(delay.max) },
          },
        });
        return;
      case 'close':
        delay.disable();
        clock.stop();
        feeds.close();
        port.close();
        return;
    }
  });
  reply({ op: 'ready', durable: feeds.durable });
}

void main();
