import type { NetworkPorts } from './network-process.js';

/** Lets several test runs share one machine: every port moves by this much. */
const OFFSET = Number(process.env.BATON_E2E_PORT_OFFSET ?? 0);

function ports(temporal: number, temporalUi: number, chain: number, gatewayBase: number): NetworkPorts {
  return {
    temporal: temporal + OFFSET,
    temporalUi: temporalUi + OFFSET,
    chain: chain + OFFSET,
    gatewayBase: gatewayBase + OFFSET,
  };
}

/** The shared end-to-end network; away from the defaults so `npm start` can run beside the tests. */
export const E2E_PORTS = ports(17233, 18233, 18545, 13000);

/** The network the restart test starts and kills on its own. */
export const RESTART_PORTS = ports(27233, 28233, 28545, 23000);

/** The network of the rebuild and late-join test, whose members it stops, wipes and adds. */
export const REBUILD_PORTS = ports(25233, 26233, 26545, 21000);
