import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseApiKeys, type ApiKeyEntry } from './app-keys.js';

/**
 * Every setting of a member node, declared once with its default and a
 * one-line comment. Each is read from the environment variable of the same name.
 */
const DEFAULTS = {
  /** This member's name, as registered in the Sequencer (buyer, seller, bank in the demo). */
  MEMBER_NAME: 'buyer',
  /** The member's signing key (hex); required. Secrets may come from a file instead: MEMBER_KEY_FILE. */
  MEMBER_KEY: '',
  /** The member's own Temporal frontend. */
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  /** The member's own Temporal namespace; defaults to MEMBER_NAME. */
  TEMPORAL_NAMESPACE: '',
  /** Base URL of the Temporal Web UI, for links to workflows. */
  TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
  /** EVM JSON-RPC endpoint of the chain the Sequencer lives on. */
  CHAIN_RPC_URL: 'http://127.0.0.1:8545',
  /** The chain's WebSocket JSON-RPC endpoint (ws:// or wss://), if it has one: new blocks come by eth_subscribe instead of polling. */
  CHAIN_WS_URL: '',
  /** Address of the deployed Sequencer contract (required). */
  SEQUENCER_ADDRESS: '',
  /** The block the Sequencer was deployed in: the ledger is read from here. */
  SEQUENCER_START_BLOCK: '0',
  /** Blocks a pin must be under before the listener acts on it (0 on the local chain). */
  CHAIN_CONFIRMATIONS: '0',
  /** How often the ledger listener asks the chain for new blocks, in ms (it also reads at once after this member pins). */
  LEDGER_POLL_MS: '20',
  /** The longest a pinned message that asks nothing of this member waits to reach its workflow, in ms (it travels with the next that does); 0: each at once. */
  LEDGER_HOLD_MS: '60000',
  /** Most pins in one Sequencer transaction. */
  PIN_BATCH_MAX: '200',
  /** How long the pinner waits for more pins before sending a batch, in ms. */
  PIN_LINGER_MS: '20',
  /** The pinner's linger while its pins come faster than one a transaction (one in the last second carried more), in ms. */
  PIN_BUSY_LINGER_MS: '150',
  /** On a chain that mines on its own schedule, how long before the next block is due the pinner sends its batch, in ms. */
  PIN_SEND_AHEAD_MS: '500',
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
  /** An event loop blocked longer than this, in ms, fails /healthz (503) for HEALTH_STALL_WINDOW_MS, so a loop that keeps stalling is restarted; 0: never. */
  HEALTH_STALL_MS: '2000',
  /** How long /healthz fails from the start of such a stall, in ms; at least the liveness probe's period, so that a stall each period fails every probe. */
  HEALTH_STALL_WINDOW_MS: '10000',
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
  /** Most /ws connections open at once from one client address. */
  WS_MAX_CONNECTIONS_PER_CLIENT: '100',
  /** Frames per second one /ws connection may send on average (bursts of twice that), besides one answer (ack, nack) per event it was sent. */
  WS_MAX_FRAMES_PER_SECOND: '100',
  /** Bytes a /ws client may leave unread before the gateway closes its connection (a stalled reader). */
  WS_MAX_BUFFERED_BYTES: '16777216',
  /** Hosts webhooks may reach though their addresses are not public (loopback, private, link-local…): comma-separated names or addresses, matched against the URL's host as written, never against what a name resolves to. */
  WEBHOOK_ALLOWED_HOSTS: '',
  /** Most webhook requests in flight at once from one gateway, taken in turn by the subscriptions waiting (one holds at most half). */
  WEBHOOK_MAX_CONCURRENT: '50',
  /** How long a webhook request may take to resolve its host and connect (TLS included), in ms. */
  WEBHOOK_CONNECT_TIMEOUT_MS: '5000',
  /** Longest a webhook request may take, the whole answer included, in ms; caps a subscription's requestTimeout. */
  WEBHOOK_MAX_REQUEST_MS: '30000',
  /** The window the REST request limits below count over, in ms: a client over its limit is answered 429 until its window frees (Retry-After). */
  RATE_LIMIT_WINDOW_MS: '10000',
  /** REST requests one app (its API key, or its JWT subject) may make per window; with APP_AUTH off, one client address; 0: no limit. */
  RATE_LIMIT_APP_REQUESTS: '3000',
  /** REST requests per window from one client address without valid app credentials (status, metrics, refused credentials); 0: no limit. */
  RATE_LIMIT_ANONYMOUS_REQUESTS: '300',
  /** Signed member-to-member requests (messages, blobs, data requests) per window from one address; 0: no limit. */
  RATE_LIMIT_MEMBER_REQUESTS: '10000',
  /** How long GET /api/v1/status and /readyz answer from their last probe, in ms (callers meanwhile share one probe); 0: a probe per request. */
  STATUS_CACHE_MS: '1000',
  /** Most bytes in one /ws frame from a client: `ws` closes the connection (1009) on a larger one before buffering it. */
  WS_MAX_FRAME_BYTES: '65536',
  /** Most subscriptions (ephemeral or durable) one /ws connection may hold; a `start` frame beyond is refused. */
  WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '20',
  /** Apps must authenticate to REST and /ws: `on` or `off` (only the local demo turns it off). */
  APP_AUTH: 'on',
  /** App API keys, JSON [{"name","scopes":["read"|"write"],"sha256"}] (`npx baton apikey`); or APP_API_KEYS_FILE. */
  APP_API_KEYS: '',
  /** Shared secret of HS256 app JWTs; or APP_JWT_SECRET_FILE. */
  APP_JWT_SECRET: '',
  /** PEM public key of the issuer of RS256/ES256 app JWTs (a file path). */
  APP_JWT_PUBLIC_KEY_FILE: '',
  /** When set, app JWTs must carry this `iss`. */
  APP_JWT_ISSUER: '',
  /** When set, app JWTs must carry this `aud`. */
  APP_JWT_AUDIENCE: '',
} as const;

/** Settings that may be given as `<NAME>_FILE`: the file's content, trimmed, is the value. */
const SECRETS = ['MEMBER_KEY', 'APP_API_KEYS', 'APP_JWT_SECRET'] as const;

export type ConfigKey = keyof typeof DEFAULTS;

export interface MemberConfig {
  memberName: string;
  memberKey: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string;
  chainRpcUrl: string;
  chainWsUrl: string;
  sequencerAddress: string;
  sequencerStartBlock: number;
  chainConfirmations: number;
  ledgerPollMs: number;
  ledgerHoldMs: number;
  pinBatchMax: number;
  pinLingerMs: number;
  pinBusyLingerMs: number;
  pinSendAheadMs: number;
  eventPollMs: number;
  databaseUrl: string;
  sqlitePath: string;
  dbMigrate: boolean;
  port: number;
  host: string;
  metricsPort: number;
  healthStallMs: number;
  healthStallWindowMs: number;
  publicUrl: string;
  maxBodyBytes: number;
  maxBlobBytes: number;
  blobDir: string;
  networkNamespace: string;
  logLevel: string;
  wsMaxConnectionsPerClient: number;
  wsMaxFramesPerSecond: number;
  wsMaxBufferedBytes: number;
  webhooks: {
    allowedHosts: string[];
    maxConcurrent: number;
    connectTimeoutMs: number;
    maxRequestMs: number;
  };
  rateLimits: RateLimits;
  statusCacheMs: number;
  wsMaxFrameBytes: number;
  wsMaxSubscriptionsPerConnection: number;
  appAuth: {
    enabled: boolean;
    apiKeys: ApiKeyEntry[];
    jwtSecret: string;
    jwtPublicKey: string;
    jwtIssuer: string;
    jwtAudience: string;
  };
}

/** REST requests each kind of client may make per window (0: no limit). */
export interface RateLimits {
  windowMs: number;
  app: number;
  anonymous: number;
  member: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): MemberConfig {
  const get = (key: ConfigKey): string => {
    const file = (SECRETS as readonly string[]).includes(key) ? env[`${key}_FILE`] : undefined;
    if (!file) return env[key] ?? DEFAULTS[key];
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${key}_FILE=${file} cannot be read: ${(err as Error).message}`);
    }
  };
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
  const chainWsUrl = get('CHAIN_WS_URL');
  if (chainWsUrl && !/^wss?:\/\//.test(chainWsUrl))
    throw new ConfigError(`CHAIN_WS_URL must be a ws:// or wss:// URL (or empty), got "${chainWsUrl}"`);
  const port = int('PORT');
  const host = get('HOST');
  const appAuth = get('APP_AUTH');
  if (appAuth !== 'on' && appAuth !== 'off') throw new ConfigError(`APP_AUTH must be on or off, got "${appAuth}"`);
  let apiKeys: ApiKeyEntry[];
  try {
    apiKeys = parseApiKeys(get('APP_API_KEYS'), env.APP_API_KEYS_FILE ? 'APP_API_KEYS_FILE' : 'APP_API_KEYS');
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const webhookMaxConcurrent = int('WEBHOOK_MAX_CONCURRENT');
  if (webhookMaxConcurrent < 1) throw new ConfigError('WEBHOOK_MAX_CONCURRENT must be at least 1');
  const publicKeyFile = get('APP_JWT_PUBLIC_KEY_FILE');
  let jwtPublicKey = '';
  try {
    if (publicKeyFile) jwtPublicKey = readFileSync(publicKeyFile, 'utf8');
  } catch (err) {
    throw new ConfigError(`APP_JWT_PUBLIC_KEY_FILE=${publicKeyFile} cannot be read: ${(err as Error).message}`);
  }
  return {
    memberName,
    memberKey,
    temporalAddress: get('TEMPORAL_ADDRESS'),
    temporalNamespace: get('TEMPORAL_NAMESPACE') || memberName,
    temporalUiUrl: get('TEMPORAL_UI_URL').replace(/\/$/, ''),
    chainRpcUrl: get('CHAIN_RPC_URL'),
    chainWsUrl,
    sequencerAddress,
    sequencerStartBlock: int('SEQUENCER_START_BLOCK'),
    chainConfirmations: int('CHAIN_CONFIRMATIONS'),
    ledgerPollMs: int('LEDGER_POLL_MS'),
    ledgerHoldMs: int('LEDGER_HOLD_MS'),
    pinBatchMax: int('PIN_BATCH_MAX'),
    pinLingerMs: int('PIN_LINGER_MS'),
    pinBusyLingerMs: int('PIN_BUSY_LINGER_MS'),
    pinSendAheadMs: int('PIN_SEND_AHEAD_MS'),
    eventPollMs: int('EVENT_POLL_MS'),
    databaseUrl: get('DATABASE_URL'),
    sqlitePath: get('SQLITE_PATH'),
    dbMigrate: get('DB_MIGRATE') !== 'false',
    port,
    host,
    metricsPort: get('METRICS_PORT') === '' ? port + 100 : int('METRICS_PORT'),
    healthStallMs: int('HEALTH_STALL_MS'),
    healthStallWindowMs: int('HEALTH_STALL_WINDOW_MS'),
    publicUrl: (get('PUBLIC_URL') || `http://${host}:${port}`).replace(/\/$/, ''),
    maxBodyBytes: int('MAX_BODY_BYTES'),
    maxBlobBytes: int('MAX_BLOB_BYTES'),
    blobDir: resolve(get('BLOB_DIR') || join(dirname(get('SQLITE_PATH')), 'blobs')),
    networkNamespace: get('NETWORK_NAMESPACE'),
    logLevel: get('LOG_LEVEL'),
    wsMaxConnectionsPerClient: int('WS_MAX_CONNECTIONS_PER_CLIENT'),
    wsMaxFramesPerSecond: int('WS_MAX_FRAMES_PER_SECOND'),
    wsMaxBufferedBytes: int('WS_MAX_BUFFERED_BYTES'),
    webhooks: {
      allowedHosts: get('WEBHOOK_ALLOWED_HOSTS')
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean),
      maxConcurrent: webhookMaxConcurrent,
      connectTimeoutMs: int('WEBHOOK_CONNECT_TIMEOUT_MS'),
      maxRequestMs: int('WEBHOOK_MAX_REQUEST_MS'),
    },
    rateLimits: {
      windowMs: int('RATE_LIMIT_WINDOW_MS'),
      app: int('RATE_LIMIT_APP_REQUESTS'),
      anonymous: int('RATE_LIMIT_ANONYMOUS_REQUESTS'),
      member: int('RATE_LIMIT_MEMBER_REQUESTS'),
    },
    statusCacheMs: int('STATUS_CACHE_MS'),
    wsMaxFrameBytes: int('WS_MAX_FRAME_BYTES'),
    wsMaxSubscriptionsPerConnection: int('WS_MAX_SUBSCRIPTIONS_PER_CONNECTION'),
    appAuth: {
      enabled: appAuth === 'on',
      apiKeys,
      jwtSecret: get('APP_JWT_SECRET'),
      jwtPublicKey,
      jwtIssuer: get('APP_JWT_ISSUER'),
      jwtAudience: get('APP_JWT_AUDIENCE'),
    },
  };
}
