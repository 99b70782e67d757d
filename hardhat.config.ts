import { createRequire } from 'node:module';
import { defineConfig } from 'hardhat/config';

// Hardhat cannot download compilers here (no internet), so we point it at the
// solc-js (WASM) build installed from npm. Hardhat needs an absolute path.
const soljson = createRequire(import.meta.url).resolve('solc/soljson.js');

// The embedded chain (apps/network/local-chain.ts) replays its journal into a
// fresh `hardhat node` on every start. Replayed blocks keep their original
// timestamps, which must not be older than the genesis block, so the launcher
// pins the genesis date of the network it is restoring.
const genesisDate = process.env.BATON_CHAIN_GENESIS_DATE;

export default defineConfig({
  solidity: {
    version: '0.8.37',
    path: soljson,
  },
  paths: {
    sources: 'contracts',
    artifacts: 'artifacts',
  },
  networks: {
    // The network `hardhat node` serves.
    node: {
      type: 'edr-simulated',
      chainId: 31337,
      ...(genesisDate ? { initialDate: genesisDate } : {}),
    },
  },
});
