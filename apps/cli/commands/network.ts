import type { MemberStatus, NetworkMember } from '../api-types.js';
import { printJson, type Command } from '../command.js';
import { Gateway, GatewayError, UnreachableError } from '../http.js';
import { expectPositionals } from '../parse-args.js';
import { columns, table } from '../render.js';

/** A member's status, or why it could not be read. */
export type MemberHealth = NetworkMember & ({ status: MemberStatus } | { error: string });

/** Each member's own gateway gets this long to answer. */
const MEMBER_TIMEOUT_MS = 5_000;

async function health(member: NetworkMember): Promise<MemberHealth> {
  try {
    const status = await new Gateway(member.endpoint, MEMBER_TIMEOUT_MS).get<MemberStatus>('/api/v1/status');
    return { ...member, status };
  } catch (err) {
    if (err instanceof UnreachableError) return { ...member, error: `not reachable (${err.reason})` };
    if (err instanceof GatewayError) return { ...member, error: `error ${err.code}: ${err.message}` };
    throw err;
  }
}

function statusLines(url: string, status: MemberStatus): string {
  const checks = Object.entries(status.checks).map(([name, c]) => [
    `  ${name}`,
    c.ready ? 'ready' : 'not ready',
    c.detail,
  ]);
  const versions = Object.entries(status.versions).map(([k, v]) => `${k} ${v}`);
  return [
    `gateway ${url}: member ${status.member}, namespace ${status.namespace}, ${status.ready ? 'ready' : 'NOT READY'}`,
    columns(checks),
    `  versions: ${versions.join(', ')}`,
  ].join('\n');
}

export function membersTable(members: readonly MemberHealth[]): string {
  return table(
    ['MEMBER', 'ENDPOINT', 'READY', 'DETAIL'],
    members.map((m) => {
      if ('error' in m) return [m.name, m.endpoint, 'not ready', m.error];
      const failing = Object.entries(m.status.checks).filter(([, c]) => !c.ready);
      const detail = failing.length
        ? failing.map(([name, c]) => `${name}: ${c.detail}`).join('; ')
        : `baton ${m.status.versions.baton ?? '?'}`;
      return [`${m.name}${m.local ? ' *' : ''}`, m.endpoint, m.status.ready ? 'ready' : 'not ready', detail];
    }),
  );
}

export const networkCommand: Command = {
  name: 'network',
  summary: "health of the network: this gateway's checks and every registered member's readiness",
  usage: 'network',
  options: {},
  notes: [
    "Reads the gateway's GET /api/v1/status (Temporal, chain, database, versions), the members registered",
    "in the Sequencer (GET /api/v1/network/members), then each member's own status at its endpoint.",
    '* marks the member behind --gateway. Exit code 0 when every member is ready, 1 otherwise.',
  ].join('\n'),
  async run(ctx) {
    expectPositionals(ctx.args, []);
    const [own, members] = await Promise.all([
      ctx.gateway.get<MemberStatus>('/api/v1/status'),
      ctx.gateway.get<NetworkMember[]>('/api/v1/network/members'),
    ]);
    const healths = await Promise.all(members.map(health));
    const ready = healths.filter((m) => 'status' in m && m.status.ready).length;
    if (ctx.json) printJson(ctx.io, { gateway: own, members: healths });
    else {
      ctx.io.out(statusLines(ctx.gateway.baseUrl, own));
      ctx.io.out('');
      ctx.io.out(membersTable(healths));
      ctx.io.out('');
      ctx.io.out(`${ready} of ${healths.length} members ready`);
    }
    return own.ready && ready === healths.length ? 0 : 1;
  },
};
