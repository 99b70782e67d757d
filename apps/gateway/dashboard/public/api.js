// The gateway's REST API and its /ws event feed, as the dashboard uses them.

/** An error the API answered with (`{ error: { code, message, details } }`) or a network failure. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** One line for the user: the message, the details and the code. */
  describe() {
    const details = Array.isArray(this.details) ? `: ${this.details.join('; ')}` : '';
    return `${this.message}${details} (${this.code})`;
  }
}

/**
 * The app credential (API key or JWT) this browser uses when the gateway has
 * APP_AUTH on; asked for once on the first 401 and kept in localStorage.
 */
const CREDENTIAL_KEY = 'baton.credential';
const credential = () => localStorage.getItem(CREDENTIAL_KEY) ?? '';

function askForCredential(reason) {
  const given = prompt(`This gateway needs an app API key or JWT (${reason}). Key:`);
  if (!given) return false;
  localStorage.setItem(CREDENTIAL_KEY, given.trim());
  return true;
}

/** Sends a request to `base` (by default this gateway) and returns the JSON body; throws ApiError. */
export async function request(path, { method = 'GET', body, base = '' } = {}) {
  let res;
  // Only this gateway gets the credential: other members' gateways have their own apps.
  const auth = base === '' && credential() ? { authorization: `Bearer ${credential()}` } : {};
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, 'unreachable', `the gateway cannot be reached (${err.message})`);
  }
  const json = await res.json().catch(() => undefined);
  if (res.status === 401 && base === '' && askForCredential(json?.error?.message ?? 'unauthenticated'))
    return request(path, { method, body, base });
  if (!res.ok) {
    const error = json?.error ?? {};
    throw new ApiError(res.status, error.code ?? `http-${res.status}`, error.message ?? res.statusText, error.details);
  }
  return json;
}

export const api = {
  status: () => request('/api/v1/status'),
  members: () => request('/api/v1/network/members'),
  processTypes: () => request('/api/v1/process-types'),
  processes: () => request('/api/v1/processes?limit=50'),
  process: (id, base) => request(`/api/v1/processes/${encodeURIComponent(id)}`, { base }),
  events: (after, limit) => request(`/api/v1/namespaces/default/events?after=${after}&limit=${limit}`),
  start: (type, input) => request('/api/v1/processes', { method: 'POST', body: { type, input } }),
  cancel: (id, reason) =>
    request(`/api/v1/processes/${encodeURIComponent(id)}/cancel`, { method: 'POST', body: { reason } }),
  decide: (id, step, approve, comment) =>
    request(`/api/v1/processes/${encodeURIComponent(id)}/steps/${encodeURIComponent(step)}/decision`, {
      method: 'POST',
      body: comment ? { approve, comment } : { approve },
    }),
};

/** Every `batch-pinned` event in the log, paging through it from the start. */
export async function ledgerBatches(pageSize = 1000) {
  const batches = [];
  for (let after = 0; ;) {
    const page = await api.events(after, pageSize);
    for (const event of page) if (event.type === 'batch-pinned') batches.push(event.data);
    if (page.length < pageSize) return batches;
    after = page[page.length - 1].sequence;
  }
}

/**
 * Follows the event feed over /ws (FireFly's protocol, ephemeral, auto-ack),
 * reconnecting after a drop. `onState` hears 'live', 'connecting' or 'down'.
 */
export function followEvents(onEvent, onState) {
  let retryMs = 500;
  const connect = () => {
    onState('connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    // Browsers cannot set headers on a WebSocket: the credential goes in the query.
    const token = credential() ? `?access_token=${encodeURIComponent(credential())}` : '';
    const socket = new WebSocket(`${scheme}://${location.host}/ws${token}`);
    socket.addEventListener('open', () => {
      retryMs = 500;
      socket.send(JSON.stringify({ type: 'start', namespace: 'default', ephemeral: true, autoack: true, filter: {} }));
      onState('live');
    });
    socket.addEventListener('message', (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === 'protocol_error') console.warn('event feed:', frame.error);
      else onEvent(frame);
    });
    socket.addEventListener('close', () => {
      onState('down');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    });
  };
  connect();
}
