import { dirname, join, resolve } from 'node:path';

/**
 * Every setting of a member node, declared once with its default and a
 * one-line comment. Each is read from the environment variable of the same name.
 */
const DEFAULTS = {
  /** This member's name, as registered in the Sequencer (buyer, seller, bank in the demo). */
  MEMBER_NAME: 'buyer',
  /** The member's signing key (hex), from the environment or a secrets file; required. */
  MEMBER_KEY: '',
  /** The member's own Temporal frontend. */
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  /** The member's own Temporal namespace; defaults to MEMBER_NAME. */
  TEMPORAL_NAMESPACE: '',
  /** Base URL of the Temporal Web UI, for links to workflows. */
  TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
  /** EVM JSON-RPC endpoint of the chain the Sequencer lives on. */
  CHAIN_RPC_URL: 'http://127.0.0.1:8545',
  /** Address of the deployed Sequencer contract (required). */
  SEQUENCER_ADDRESS: '',
  /** The block the Sequencer was deployed in: the ledger is read from here. */
  SEQUENCER_START_BLOCK: '0',
  /** Blocks a pin must be under before the listener acts on it (0 on the local chain). */
  CHAIN_CONFIRMATIONS: '0',
  /** How often the ledger listener asks the chain for new blocks, in ms (it also reads at once after this member pins). */
  LEDGER_POLL_MS: '20',
  /** How often the dispatcher looks for recorded pins whose private data came late, in ms (it runs at once after each read). */
  LEDGER_DISPATCH_POLL_MS: '200',
  /** Most pins in one Sequencer transaction. */
  PIN_BATCH_MAX: '200',
  /** How long the pinner waits for more pins before sending a batch, in ms. */
  PIN_LINGER_MS: '20',
  /** How often the gateway reads the event log for its WebSocket subscribers, in ms. */
  EVENT_POLL_MS: '20',
  /** Database: a postgres:// URL, or empty for the SQLite file below. */
  DATABASE_URL: '',
  /** SQLite database file, used when DATABASE_URL is empty. */
  SQLITE_PATH: '.baton/members/buyer/baton.sqlite',
  /** Run pending migrations when a node starts. */
  DB_MIGRATE: 'true',
  /** Gateway HTTP port. */
  PORT: '3001',
  /** Gateway bind address. */
  HOST: '127.0.0.1',
  /** Worker's /metrics, /healthz and /readyz port (on HOST); empty: PORT + 100, 0: off. */
  METRICS_PORT: '',
  /** This gateway's URL as other members reach it (registered in the Sequencer). */
  PUBLIC_URL: '',
  /** Most bytes accepted in one JSON request body. */
  MAX_BODY_BYTES: '1048576',
  /** Most bytes in one blob (POST /api/v1/data, blobs pushed by other members): 50 MiB. */
  MAX_BLOB_BYTES: '52428800',
  /** Folder of the member's blobs (files named by hash); empty: `blobs` beside SQLITE_PATH. */
  BLOB_DIR: '',
  /** Network namespace in FireFly-style paths (/api/v1/namespaces/{ns}/...). */
  NETWORK_NAMESPACE: 'default',
  /** Log level: debug, info, warn, error. */
  LOG_LEVEL: 'info',
} as const;

export type ConfigKey = keyof typeof DEFAULTS;

export interface MemberConfig {
  memberName: string;
  memberKey: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string;
  chainRpcUrl: string;
  sequencerAddress: string;
  sequencerStartBlock: number;
  chainConfirmations: number;
  ledgerPollMs: number;
  ledgerDispatchPollMs: number;
  pinBatchMax: number;
  pinLingerMs: number;
  eventPollMs: number;
  databaseUrl: string;
  sqlitePath: string;
  dbMigrate: boolean;
  port: number;
  host: string;
  metricsPort: number;
  publicUrl: string;
  maxBodyBytes: number;
  maxBlobBytes: number;
  blobDir: string;
  networkNamespace: string;
  logLevel: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): MemberConfig {
  const get = (key: ConfigKey): string => env[key] ?? DEFAULTS[key];
  const int = (key: ConfigKey): number => {
    const value = Number(get(key));
    if (!Number.isInteger(value) || value < 0)
      throw new ConfigError(`${key} must be a whole number, got "${get(key)}"`);
    return value;
  };
  const memberName = get('MEMBER_NAME');
  const memberKey = get('MEMBER_KEY');
  if (!/^0x[0-9a-fA-F]{64}$/.test(memberKey)) throw new ConfigError('MEMBER_KEY must be a 32-byte hex private key');
  const sequencerAddress = get('SEQUENCER_ADDRESS');
  if (!/^0x[0-9a-fA-F]{40}$/.test(sequencerAddress))
    throw new ConfigError('SEQUENCER_ADDRESS must be the address of the deployed Sequencer contract');
  const port = int('PORT');
  const host = get('HOST');
  return {
    memberName,
    memberKey,
    temporalAddress: get('TEMPORAL_ADDRESS'),
    temporalNamespace: get('TEMPORAL_NAMESPACE') || memberName,
    temporalUiUrl: get('TEMPORAL_UI_URL').replace(/\/$/, ''),
    chainRpcUrl: get('CHAIN_RPC_URL'),
    sequencerAddress,
    sequencerStartBlock: int('SEQUENCER_START_BLOCK'),
    chainConfirmations: int('CHAIN_CONFIRMATIONS'),
    ledgerPollMs: int('LEDGER_POLL_MS'),
    ledgerDispatchPollMs: int('LEDGER_DISPATCH_POLL_MS'),
    pinBatchMax: int('PIN_BATCH_MAX'),
    pinLingerMs: int('PIN_LINGER_MS'),
    eventPollMs: int('EVENT_POLL_MS'),
    databaseUrl: get('DATABASE_URL'),
    sqlitePath: get('SQLITE_PATH'),
    dbMigrate: get('DB_MIGRATE') !== 'false',
    port,
    host,
    metricsPort: get('METRICS_PORT') === '' ? port + 100 : int('METRICS_PORT'),
    publicUrl: (get('PUBLIC_URL') || `http://${host}:${port}`).replace(/\/$/, ''),
    maxBodyBytes: int('MAX_BODY_BYTES'),
    maxBlobBytes: int('MAX_BLOB_BYTES'),
    blobDir: resolve(get('BLOB_DIR') || join(dirname(get('SQLITE_PATH')), 'blobs')),
    networkNamespace: get('NETWORK_NAMESPACE'),
    logLevel: get('LOG_LEVEL'),
  };
}
