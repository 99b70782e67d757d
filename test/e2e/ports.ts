import type { NetworkPorts } from './network-process.js';

/** The shared end-to-end network; away from the defaults so `npm start` can run beside the tests. */
export const E2E_PORTS: NetworkPorts = { temporal: 17233, temporalUi: 18233, chain: 18545, gatewayBase: 13000 };

/** The network the restart test starts and kills on its own. */
export const RESTART_PORTS: NetworkPorts = { temporal: 27233, temporalUi: 28233, chain: 28545, gatewayBase: 23000 };
