import { afterAll, beforeAll, describe } from 'vitest';
import { TwoMemberNetwork } from '../e2e/two-member-network.js';
import { frameFuzzAttacks } from './fuzz-frames.js';
import { fuzzAttacks } from './fuzz.js';
import { limitAttacks } from './limits.js';
import { hangAttacks } from './hang.js';
import { webhookAttacks } from './webhooks.js';
import { wsAttacks } from './websocket.js';

/**
 * Apps that misbehave (issue 25), on the two-member example with app
 * authentication on, as in production. Each module beside this file
 * carries out one family of attacks and checks, after each, that the
 * attacker got a 4xx and that both gateways still serve honest work
 * (serving.ts). Ports move by 22,000 (see two-member-network.ts).
 */
const holder: { network?: TwoMemberNetwork } = {};
const network = (): TwoMemberNetwork => holder.network!;

describe('apps that misbehave cannot crash, freeze or overreach a gateway', () => {
  beforeAll(async () => {
    holder.network = await TwoMemberNetwork.start(22_000, {
      // The webhook receivers of these tests listen on loopback: allowed by name here only.
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      // Low enough for a bounded flood from one app to pass it (limits.ts); the default is 3000 per 10 s.
      RATE_LIMIT_APP_REQUESTS: '500',
    });
  });

  afterAll(() => holder.network?.stop());

  // One line per attack family (<family>.ts beside this file), each `(network) => void` declaring its describe blocks.
  wsAttacks(network);
  webhookAttacks(network);
  limitAttacks(network);
  fuzzAttacks(network);
  frameFuzzAttacks(network);
  // Last: it freezes and restarts bob's gateway.
  hangAttacks(network);
});
