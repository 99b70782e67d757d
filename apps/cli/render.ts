import type { StepView } from '../../workflows/process-state.js';
import type { ProcessView } from '../shared/api/process-view.js';
import type { EventFrame } from './api-types.js';

/** Left-aligned columns under a header line, two spaces apart; cells never wrap. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return columns([headers, ...rows]);
}

/** Left-aligned columns, two spaces apart. */
export function columns(rows: readonly (readonly string[])[]): string {
  const count = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: count }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return rows.map(line).join('\n');
}

/** The error line every failure prints: `error <code>: <message>`, then any details indented. */
export function errorText(code: string, message: string, details?: unknown): string {
  const lines = [`error ${code}: ${message}`];
  if (Array.isArray(details))
    for (const d of details) lines.push(`  - ${typeof d === 'string' ? d : JSON.stringify(d)}`);
  else if (details !== undefined) lines.push(`  ${JSON.stringify(details)}`);
  return lines.join('\n');
}

/** `pin 12`, `pin 12, compensation pin 18`, or `-` before the ledger has ordered the outcome. */
export function pinsText(step: Pick<StepView, 'pin' | 'compensationPin'>): string {
  const parts = [];
  if (step.pin !== undefined) parts.push(`pin ${step.pin}`);
  if (step.compensationPin !== undefined) parts.push(`compensation pin ${step.compensationPin}`);
  return parts.length ? parts.join(', ') : '-';
}

/** One keyed line of a progress display; a key's line is reprinted only when its text changes. */
export interface ProgressLine {
  key: string;
  text: string;
}

/** The progress display of a process: a status line, a line per step, the reason once there is one. */
export function progressLines(view: ProcessView): ProgressLine[] {
  const name = Math.max(...view.steps.map((s) => s.name.length), 4);
  const who = Math.max(...view.steps.map((s) => memberText(s).length), 5);
  const lines: ProgressLine[] = [{ key: 'process', text: `process ${view.id} (${view.type}): ${view.status}` }];
  for (const step of view.steps) {
    const reason = step.reason ? `  ${step.reason}` : '';
    lines.push({
      key: `step:${step.name}`,
      text: `  ${step.name.padEnd(name)}  ${memberText(step).padEnd(who)}  ${step.status.padEnd(11)}  ${pinsText(step)}${reason}`,
    });
  }
  if (view.reason)
    lines.push({ key: 'reason', text: `  reason: ${view.reason}${view.rejectedBy ? ` (by ${view.rejectedBy})` : ''}` });
  if (view.failedStep) lines.push({ key: 'failed', text: `  failed step: ${view.failedStep} (retry at its owner)` });
  return lines;
}

/** The lines of `next` whose text differs from what was last printed under the same key. */
export function changedLines(printed: Map<string, string>, next: readonly ProgressLine[]): ProgressLine[] {
  return next.filter((l) => printed.get(l.key) !== l.text);
}

function memberText(step: StepView): string {
  return step.owner === step.member ? step.member : `${step.member} (${step.owner})`;
}

/** `baton get`: everything a person needs to know about a process at one member. */
export function processDetails(view: ProcessView): string {
  const rows: [string, string | undefined][] = [
    ['id', view.id],
    ['type', view.type],
    ['status', view.status],
    ['seen from', view.member],
    ['initiator', view.initiator],
    [
      'participants',
      Object.entries(view.participants)
        .map(([role, m]) => (role === m ? m : `${role}=${m}`))
        .join(', '),
    ],
    ['reason', view.reason],
    ['rejected by', view.rejectedBy],
    ['failed step', view.failedStep],
    ['start pin', view.startPin?.toString()],
    ['digest', view.digest],
    ['created', view.createdAt],
    ['updated', view.updatedAt],
    ['temporal', view.workflow.url],
  ];
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  const head = shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${v}`).join('\n');
  const steps = table(
    ['STEP', 'MEMBER', 'ROLE', 'STATUS', 'PIN', 'COMPENSATION PIN', 'REASON'],
    view.steps.map((s) => [
      s.name,
      s.member,
      s.owner,
      s.status,
      s.pin?.toString() ?? '-',
      s.compensationPin?.toString() ?? '-',
      s.reason ?? '',
    ]),
  );
  const cancels = view.cancellations.map(
    (c) =>
      `  pin ${c.pin}: ${c.requestedBy} asked to cancel (${c.reason}): ${c.outcome}${c.refusal ? `, ${c.refusal}` : ''}`,
  );
  return [head, '', steps, ...(cancels.length ? ['', 'cancellations:', ...cancels] : [])].join('\n');
}

/** `baton list`: one row per process. */
export function processTable(views: readonly ProcessView[]): string {
  return table(
    ['ID', 'TYPE', 'STATUS', 'INITIATOR', 'STEPS', 'UPDATED'],
    views.map((v) => [
      v.id,
      v.type,
      v.status,
      v.initiator,
      `${v.steps.filter((s) => s.status !== 'pending').length}/${v.steps.length}`,
      v.updatedAt,
    ]),
  );
}

/** `baton tail`: `#42  step-done  <reference>  status=running step=ship pin=17`. */
export function eventLine(event: EventFrame): string {
  const data = event.data ?? {};
  const summary = ['status', 'step', 'pin', 'author', 'reason']
    .filter((k) => data[k] !== undefined && data[k] !== null)
    .map((k) => `${k}=${formatValue(data[k])}`)
    .join(' ');
  return [`#${event.sequence}`, event.type, event.reference ?? '-', summary].filter(Boolean).join('  ');
}

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /\s/.test(text) ? JSON.stringify(text) : text;
}
