import type { RateLimits } from '../../shared/config.js';

/**
 * Whom a REST request counts against: an app (by the name behind its API key
 * or its JWT subject, wherever it calls from), a member's gateway (by
 * address: a member request is known only once its signature is checked,
 * which is the work a flood would buy), or an address without app
 * credentials (probes, scrapers, and anyone whose credentials were refused).
 */
export type ClientKind = 'app' | 'member' | 'anonymous';

export interface RequestClient {
  kind: ClientKind;
  /** The key its requests are counted under, across every route. */
  key: string;
  /** Requests it may make per window; 0: no limit. */
  limit: number;
  /** It, as a 429 names it. */
  who: string;
}

export interface Caller {
  /** The route carries member-to-member traffic (signed by a member, not by an app). */
  memberRoute: boolean;
  /** The app its credentials name, when they are valid. */
  app?: string;
  /** Its address, as the socket saw it (one /64 for IPv6). */
  address: string;
  /** APP_AUTH: off, every caller may do what an app does, so counts as one. */
  appAuth: boolean;
}

export function requestClient(limits: RateLimits, caller: Caller): RequestClient {
  const { address } = caller;
  if (caller.memberRoute)
    return { kind: 'member', key: `member@${address}`, limit: limits.member, who: `member address ${address}` };
  if (caller.app !== undefined)
    return { kind: 'app', key: `app:${caller.app}`, limit: limits.app, who: `app "${caller.app}"` };
  if (!caller.appAuth) return { kind: 'app', key: `app@${address}`, limit: limits.app, who: `address ${address}` };
  return {
    kind: 'anonymous',
    key: `anonymous@${address}`,
    limit: limits.anonymous,
    who: `address ${address} (without valid app credentials)`,
  };
}

/** The 429's message: who went over which limit, and when to come back. */
export function tooManyRequests(client: RequestClient, windowMs: number, retryAfterS: number): string {
  return `${client.who} made more than ${client.limit} requests in ${windowMs / 1000} s: try again in ${retryAfterS} s`;
}
