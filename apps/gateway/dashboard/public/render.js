// Pure DOM builders: process cards with one swimlane per member, and the ledger's pins.
// Buttons carry data-action; dashboard.js handles them by delegation.

/** Creates an element: `h('p', { class: 'x', dataset: { id } }, 'text', child)`. Text is never parsed as HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') for (const [k, v] of Object.entries(value)) el.style.setProperty(k, v);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  el.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}

const shortId = (id) => id.slice(0, 8);
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '');

function describeInput(input) {
  if (!input || typeof input !== 'object') return '';
  return Object.entries(input)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en') : v}`)
    .join(' · ');
}

/** The lane header: member, role, and a link to that member's workflow in the Temporal UI when known. */
function laneHeader(member, role, view, ctx) {
  const url = member === ctx.local ? view.workflow?.url : ctx.remoteUrls.get(view.id)?.[member];
  return h(
    'div',
    { class: 'lane-head', role: 'rowheader' },
    h('strong', {}, member),
    h('span', { class: 'role' }, member === role ? '' : role, member === ctx.local ? ' (this member)' : ''),
    url
      ? h(
          'a',
          {
            class: 'temporal',
            href: url,
            target: '_blank',
            rel: 'noopener',
            'aria-label': `${member}'s workflow in the Temporal UI`,
          },
          'Temporal ↗',
        )
      : h('span', { class: 'temporal muted' }, 'Temporal: n/a'),
  );
}

function decisionControls(view, step) {
  const label = `Comment on ${step.name}`;
  const id = `comment-${view.id}-${step.name}`;
  return h(
    'div',
    { class: 'decision' },
    h('label', { for: id, class: 'sr-only' }, label),
    h('input', { id, name: step.name, placeholder: 'comment (optional)', maxlength: 1000 }),
    h(
      'button',
      { type: 'button', class: 'approve', dataset: { action: 'approve', id: view.id, step: step.name } },
      'Approve',
    ),
    h(
      'button',
      { type: 'button', class: 'reject', dataset: { action: 'reject', id: view.id, step: step.name } },
      'Reject',
    ),
  );
}

function stepChip(view, step, def, ctx) {
  const decidable =
    def?.decision && step.status === 'pending' && step.member === ctx.local && view.status === 'running';
  return h(
    'div',
    { class: 'step', role: 'cell', dataset: { step: step.name, status: step.status }, title: def?.description },
    h('span', { class: 'step-name' }, step.name),
    h('span', { class: 'step-status' }, step.status, def?.decision && step.status === 'pending' ? ' · decision' : ''),
    step.pin !== undefined && h('span', { class: 'pin', dataset: { pin: step.pin } }, `pin #${step.pin}`),
    step.compensationPin !== undefined &&
      h(
        'span',
        { class: 'compensation', dataset: { pin: step.compensationPin } },
        `↺ compensated · pin #${step.compensationPin}`,
      ),
    step.reason && h('p', { class: 'step-reason' }, step.reason),
    decidable && decisionControls(view, step),
  );
}

/** A process: header with its status badge and actions, then one lane per participant member. */
export function processCard(view, ctx) {
  const defs = new Map((ctx.types.get(view.type)?.steps ?? []).map((s) => [s.name, s]));
  const lanes = Object.entries(view.participants ?? {});
  const titleId = `process-${view.id}`;
  return h(
    'li',
    { class: 'process', dataset: { processId: view.id, status: view.status } },
    h(
      'article',
      { 'aria-labelledby': titleId },
      h(
        'header',
        { class: 'process-head' },
        h('h3', { id: titleId }, view.type, ' ', h('code', { title: view.id }, shortId(view.id))),
        h('span', { class: 'badge', dataset: { status: view.status } }, view.status),
        h('span', { class: 'muted' }, describeInput(view.input)),
        h('span', { class: 'muted grow' }, `started by ${view.initiator} at ${time(view.createdAt)}`),
        view.status === 'running' &&
          h('button', { type: 'button', class: 'ghost danger', dataset: { action: 'cancel', id: view.id } }, 'Cancel'),
      ),
      view.reason &&
        h(
          'p',
          { class: 'reason' },
          h('strong', {}, view.rejectedBy ? `Rejected by ${view.rejectedBy}: ` : 'Reason: '),
          view.reason,
        ),
      h(
        'div',
        {
          class: 'lanes',
          role: 'table',
          'aria-label': `Steps of ${shortId(view.id)} by member`,
          style: { '--steps': view.steps.length },
        },
        lanes.map(([role, member]) =>
          h(
            'div',
            { class: 'lane', role: 'row', dataset: { member } },
            laneHeader(member, role, view, ctx),
            view.steps.map((step) =>
              step.member === member
                ? stepChip(view, step, defs.get(step.name), ctx)
                : h('div', { class: 'slot', role: 'cell' }),
            ),
          ),
        ),
      ),
      h(
        'p',
        { class: 'process-foot muted' },
        view.startPin !== undefined ? `start pin #${view.startPin}` : 'waiting for the start pin',
        ...(view.cancellations ?? []).map((c) => ` · cancel by ${c.requestedBy} ${c.outcome} (pin #${c.pin})`),
        ' · digest ',
        h('code', { title: view.digest }, (view.digest ?? '').slice(0, 12)),
      ),
    ),
  );
}

/** What a pin stands for, from the processes on the page: pin number -> label. */
export function pinLabels(processes) {
  const labels = new Map();
  for (const p of processes) {
    const ref = `${p.type} ${shortId(p.id)}`;
    if (p.startPin !== undefined) labels.set(p.startPin, `${ref}: started`);
    for (const s of p.steps) {
      if (s.pin !== undefined) labels.set(s.pin, `${ref}: ${s.name} ${s.status === 'compensated' ? 'done' : s.status}`);
      if (s.compensationPin !== undefined) labels.set(s.compensationPin, `${ref}: ${s.name} compensated`);
    }
    for (const c of p.cancellations ?? []) labels.set(c.pin, `${ref}: cancel ${c.outcome}`);
  }
  return labels;
}

/** The newest `max` pins of the batches, latest first, each with its batch, author and meaning. */
export function pinItems(batches, labels, authors, max = 80) {
  const items = [];
  for (let b = batches.length - 1; b >= 0 && items.length < max; b--) {
    const batch = batches[b];
    for (let i = batch.pins - 1; i >= 0 && items.length < max; i--) {
      const pin = batch.firstPin + i;
      items.push(
        h(
          'li',
          { class: 'pin-row', value: pin, dataset: { pin } },
          h('span', { class: 'pin-no' }, `#${pin}`),
          h('span', { class: 'pin-what' }, labels.get(pin) ?? 'pin of another process'),
          h(
            'span',
            { class: 'muted' },
            `${authors.get(batch.author.toLowerCase()) ?? batch.author.slice(0, 10)} · batch ${batch.batch} · block ${batch.blockNumber}`,
          ),
        ),
      );
    }
  }
  return items;
}
