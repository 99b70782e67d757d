import { DEMO_MEMBERS, LocalNetwork, localNetworkOptionsFromEnv } from './local-network.js';

/** `npm start`: the local network of three members, until Ctrl-C. */
async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const network = new LocalNetwork(localNetworkOptionsFromEnv(process.env, log));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: stopping the network…`);
    await network.stop();
    log('stopped; state kept in ' + network.options.dataDir);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  try {
    await network.start();
  } catch (err) {
    log(`\nthe network did not start: ${(err as Error).message}`);
    await network.stop();
    process.exit(1);
  }
  log('');
  log('Baton local network is up:');
  for (const m of DEMO_MEMBERS)
    log(
      `  ${m.padEnd(7)} gateway  ${network.gatewayUrl(m)}  (OpenAPI: ${network.gatewayUrl(m)}/api)  worker metrics ${network.workerMetricsUrl(m)}/metrics`,
    );
  log(`  Temporal UI      ${network.temporalUiUrl}  (namespaces ${DEMO_MEMBERS.join(', ')})`);
  log(`  chain JSON-RPC   ${network.chainUrl}  (Sequencer ${network.sequencer})`);
  log(`  data and logs    ${network.options.dataDir}`);
  log('');
  log(`Try: curl -s -XPOST ${network.gatewayUrl('buyer')}/api/v1/processes -H 'content-type: application/json' \\`);
  log(`       -d '{"type":"trade-settlement","input":{"item":"steel","quantity":10,"amount":500}}'`);
  log('BATON READY (Ctrl-C stops everything)');
}

void main();
