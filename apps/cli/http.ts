/** An error the gateway reported as `{ error: { code, message, details? } }`. */
export class GatewayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The gateway could not be reached at all (refused, unknown host, timed out). */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`the gateway at ${url} is not reachable (${reason})`);
  }
}

/** Why a fetch or WebSocket connection failed, as short as possible: `ECONNREFUSED`, `bad port`. */
export function failureReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const own = err as { code?: string; name?: string; message?: string };
  if (own.name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? own.code ?? own.message ?? String(err);
}

/** A client of one gateway's REST API: Node's fetch, JSON in and out. */
export class Gateway {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 60_000,
    /** An app API key or JWT, sent as a bearer token when the gateway requires app credentials. */
    readonly credential?: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** The Authorization header, when there is a credential. */
  get authHeaders(): Record<string, string> {
    return this.credential ? { authorization: `Bearer ${this.credential}` } : {};
  }

  /** The `/ws` URL of this gateway. */
  get wsUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/ws`;
  }

  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return this.request<T>('GET', qs ? `${path}?${qs}` : path).then((r) => r.body);
  }

  async post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    return this.request<T>('POST', path, body);
  }

  /** Sends one request; non-2xx answers become GatewayError, network failures UnreachableError. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    base = this.baseUrl,
  ): Promise<{ status: number; body: T }> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { ...this.authHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new UnreachableError(base, failureReason(err));
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new GatewayError(
        'bad-response',
        `${method} ${path} answered ${res.status} with no JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!res.ok) {
      const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
      if (error && typeof error.code === 'string')
        throw new GatewayError(
          error.code,
          typeof error.message === 'string' ? error.message : '',
          error.details,
          res.status,
        );
      throw new GatewayError(`http-${res.status}`, `${method} ${path} answered ${res.status} ${res.statusText}`);
    }
    return { status: res.status, body: parsed as T };
  }
}
