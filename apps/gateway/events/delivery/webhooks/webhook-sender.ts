import type { LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  AddressRefused,
  AllowedHosts,
  checkedAddresses,
  HostUnresolved,
  resolveAll,
  urlHost,
  type ResolveAll,
} from './webhook-address.js';
import { DeliverySlots } from './delivery-slots.js';

export interface WebhookSenderSettings {
  /** WEBHOOK_ALLOWED_HOSTS */
  allowedHosts: string[];
  maxConcurrent: number;
  connectTimeoutMs: number;
  maxRequestMs: number;
}

/**
 * The one way a webhook request leaves a gateway: to a checked, pinned
 * address (webhook-address.ts), within a gateway-wide bound on requests in
 * flight and a time limit on each, the answer drained and dropped. What it
 * reports (the `lastError` of dead letters) never says more about a refused
 * address than that it was refused: nothing was sent there, so closed,
 * open and filtered ports all read the same.
 */
export class WebhookSender {
  private readonly allowed: AllowedHosts;
  private readonly slots: DeliverySlots;
  // Keep-alive pools: a pooled connection is to an address checked when it was opened.
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  constructor(
    private readonly settings: WebhookSenderSettings,
    private readonly resolve: ResolveAll = resolveAll,
  ) {
    this.allowed = new AllowedHosts(settings.allowedHosts);
    this.slots = new DeliverySlots(settings.maxConcurrent);
  }

  /** At creation: refuses (throws AddressRefused or HostUnresolved) a URL a delivery would refuse. */
  async check(url: string): Promise<void> {
    await this.withTimeout(
      checkedAddresses(urlHost(new URL(url)), this.allowed, this.resolve),
      this.settings.connectTimeoutMs,
      () => new HostUnresolved(`resolving the host took longer than ${this.settings.connectTimeoutMs} ms`),
    );
  }

  /**
   * POSTs `body` once, as `subscription`'s turn comes, with the `headers`
   * made then; resolves to undefined when the receiver answered 2xx, else to
   * why not (for lastError and logs).
   */
  async post(
    subscription: string,
    url: string,
    headers: () => Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<string | undefined> {
    const release = await this.slots.acquire(subscription);
    try {
      return await this.send(new URL(url), headers(), body, Math.min(timeoutMs, this.settings.maxRequestMs));
    } finally {
      release();
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async send(url: URL, headers: Record<string, string>, body: string, timeoutMs: number) {
    const started = Date.now();
    const connectMs = Math.min(this.settings.connectTimeoutMs, timeoutMs);
    let addresses: LookupAddress[];
    try {
      addresses = await this.withTimeout(
        checkedAddresses(urlHost(url), this.allowed, this.resolve),
        connectMs,
        () => new Error(`no connection in ${connectMs} ms`),
      );
    } catch (err) {
      if (err instanceof AddressRefused) return REFUSED;
      if (err instanceof HostUnresolved) return 'the host does not resolve';
      return (err as Error).message;
    }
    return this.request(url, headers, body, addresses, { started, connectMs, timeoutMs });
  }

  private request(
    url: URL,
    headers: Record<string, string>,
    body: string,
    addresses: LookupAddress[],
    limits: { started: number; connectMs: number; timeoutMs: number },
  ): Promise<string | undefined> {
    const { started, connectMs, timeoutMs } = limits;
    const left = (ms: number) => Math.max(0, started + ms - Date.now());
    const tls = url.protocol === 'https:';
    // The socket connects to the addresses checked above, never to a second answer from DNS.
    const pinned: LookupFunction = (_host, options, callback) => {
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    };
    return new Promise((resolve) => {
      let connecting: NodeJS.Timeout | undefined;
      const req = (tls ? httpsRequest : httpRequest)(
        {
          protocol: url.protocol,
          hostname: urlHost(url),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: tls ? this.agents.https : this.agents.http,
          lookup: pinned,
        },
        (res) => {
          clearTimeout(connecting);
          // The answer is drained and dropped; a receiver that trickles it meets the deadline.
          res.resume();
          res.on('end', () => {
            clearTimeout(deadline);
            const status = res.statusCode ?? 0;
            resolve(status >= 200 && status <= 299 ? undefined : `HTTP ${status}`);
          });
          res.on('error', () => fail('the answer broke off'));
        },
      );
      // Called from the handlers above and below, all of which run later.
      const fail = (why: string) => {
        clearTimeout(deadline);
        clearTimeout(connecting);
        req.destroy();
        resolve(why);
      };
      const deadline = setTimeout(() => fail(`no answer in ${timeoutMs} ms`), left(timeoutMs));
      req.on('socket', (socket) => {
        if (req.reusedSocket) return;
        connecting = setTimeout(() => fail(`no connection in ${connectMs} ms`), left(connectMs));
        socket.once(tls ? 'secureConnect' : 'connect', () => clearTimeout(connecting));
      });
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      req.end(body);
    });
  }

  private withTimeout<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(error()), ms);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}

/** The one answer for every address refused, whatever listens there. */
export const REFUSED = 'refused: options.url does not resolve to a public address (see WEBHOOK_ALLOWED_HOSTS)';
