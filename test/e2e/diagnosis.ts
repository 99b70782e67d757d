import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMBERS, gatewayUrl, type NetworkPorts } from './network-process.js';

/** Each gateway's /readyz answer: its HTTP status and the checks it names (0 and the error when it did not answer). */
export async function readiness(ports: NetworkPorts): Promise<{ member: string; status: number; body: string }[]> {
  return Promise.all(
    MEMBERS.map(async (member) => {
      try {
        const res = await fetch(`${gatewayUrl(ports, member)}/readyz`, { signal: AbortSignal.timeout(10_000) });
        return { member, status: res.status, body: await res.text() };
      } catch (err) {
        return { member, status: 0, body: String((err as Error).cause ?? err) };
      }
    }),
  );
}

/**
 * What a failed run needs to say which part of a test network stopped
 * answering: each gateway's readiness checks, the launcher's last lines (parts
 * that exited and were restarted), the warnings and errors each member logged
 * last, and the Temporal dev server's last lines.
 */
export async function diagnosis(ports: NetworkPorts, dataDir: string): Promise<string> {
  const out: string[] = ['readiness:'];
  for (const r of await readiness(ports)) out.push(`  ${r.member} ${r.status} ${r.body}`);
  const launcher = readdirSync(dataDir)
    .filter((f) => f.startsWith('launcher-') && f.endsWith('.log'))
    .sort()
    .at(-1);
  if (launcher) out.push(`launcher (${launcher}), last lines:`, ...tail(join(dataDir, launcher), 15));
  const logs = join(dataDir, 'logs');
  for (const file of existsSync(logs) ? readdirSync(logs).sort() : []) {
    const problems = lines(join(logs, file)).filter(
      (l) => /"level":"(warn|error|fatal)"/.test(l) || !l.startsWith('{'),
    );
    if (problems.length > 0)
      out.push(`${file}: ${problems.length} warnings/errors, the last:`, ...clip(problems.slice(-5)));
  }
  out.push('temporal.log, last lines:', ...tail(join(dataDir, 'temporal', 'temporal.log'), 10));
  return out.join('\n');
}

function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

function tail(file: string, n: number): string[] {
  return clip(lines(file).slice(-n));
}

function clip(ls: string[]): string[] {
  return ls.map((l) => `    ${l.length > 400 ? `${l.slice(0, 400)}…` : l}`);
}
