// The live dashboard: loads this member's view of the network, then follows /ws and
// refreshes each process an event names. Plain ES module, no build step.
import { api, ApiError, followEvents, ledgerBatches } from './api.js';
import { h, pinItems, pinLabels, processCard } from './render.js';

const $ = (id) => document.getElementById(id);

const state = {
  local: '',
  members: [],
  /** process type name -> definition (steps with `decision`) */
  types: new Map(),
  /** process id -> this member's view, newest first */
  processes: new Map(),
  /** process id -> { member: Temporal UI url } from the other members' gateways */
  remoteUrls: new Map(),
  batches: [],
};

function showError(err) {
  $('error-text').textContent = err instanceof ApiError ? err.describe() : String(err?.message ?? err);
  $('error').hidden = false;
}

/** Runs `work`, showing any error; disables `button` meanwhile. */
async function attempt(work, button) {
  if (button) button.disabled = true;
  try {
    return await work();
  } catch (err) {
    showError(err);
  } finally {
    if (button) button.disabled = false;
  }
}

function renderProcesses() {
  const ctx = { local: state.local, types: state.types, remoteUrls: state.remoteUrls };
  const list = $('process-list');
  // Keep what a person is typing into a decision comment across re-renders.
  const typed = new Map([...list.querySelectorAll('.decision input')].map((i) => [i.id, i.value]));
  const focused = document.activeElement?.id;
  list.replaceChildren(...[...state.processes.values()].map((view) => processCard(view, ctx)));
  for (const [id, value] of typed) if ($(id)) $(id).value = value;
  if (focused && $(focused)) $(focused).focus();
  $('no-processes').hidden = state.processes.size > 0;
  renderPins();
}

function renderPins() {
  const authors = new Map(state.members.map((m) => [m.account.toLowerCase(), m.name]));
  $('pin-list').replaceChildren(...pinItems(state.batches, pinLabels(state.processes.values()), authors));
}

function renderMembers() {
  $('member-list').replaceChildren(
    ...state.members.map((m) =>
      h(
        'li',
        { dataset: { member: m.name } },
        h('strong', {}, m.name),
        m.local
          ? h('span', { class: 'tag' }, 'this member')
          : h('a', { href: `${m.endpoint}/`, class: 'plain' }, 'dashboard ↗'),
        h('code', { class: 'muted', title: m.account }, `${m.account.slice(0, 10)}…`),
      ),
    ),
  );
}

/** The other participants' Temporal UI links, asked once from their own gateways (CORS, GET only). */
async function loadRemoteUrls(view) {
  if (state.remoteUrls.has(view.id)) return;
  const urls = {};
  state.remoteUrls.set(view.id, urls);
  const others = state.members.filter((m) => !m.local && Object.values(view.participants ?? {}).includes(m.name));
  await Promise.all(
    others.map(async (m) => {
      const remote = await api.process(view.id, m.endpoint).catch(() => undefined);
      if (remote?.workflow?.url) urls[m.name] = remote.workflow.url;
      // Not there yet (the start message travels): ask again on the next refresh.
      else state.remoteUrls.delete(view.id);
    }),
  );
}

function sortNewestFirst() {
  const sorted = [...state.processes.values()].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  state.processes = new Map(sorted.map((p) => [p.id, p]));
}

const pending = new Map();
/** Refreshes one process soon; a burst of events for it costs one request. */
function refreshProcess(id) {
  if (pending.has(id)) return;
  pending.set(
    id,
    setTimeout(async () => {
      pending.delete(id);
      const view = await api.process(id).catch((err) => (err.status === 404 ? undefined : showError(err)));
      if (!view) return;
      state.processes.set(id, view);
      sortNewestFirst();
      await loadRemoteUrls(view);
      renderProcesses();
    }, 120),
  );
}

function onEvent(event) {
  if (event.type === 'batch-pinned') {
    if (!state.batches.some((b) => b.batch === event.data.batch)) {
      state.batches.push(event.data);
      state.batches.sort((a, b) => a.batch - b.batch);
      renderPins();
    }
  }
  if (event.reference) refreshProcess(event.reference);
}

async function loadAll() {
  const [status, members, types, list, batches] = await Promise.all([
    api.status(),
    api.members(),
    api.processTypes(),
    api.processes(),
    ledgerBatches(),
  ]);
  state.local = status.member;
  document.title = `Baton · ${status.member}`;
  $('member-name').textContent = status.member;
  const ready = $('readiness');
  ready.dataset.ready = String(status.ready);
  ready.textContent = status.ready ? 'ready' : 'not ready';
  ready.title = Object.entries(status.checks)
    .map(([name, c]) => `${name}: ${c.ready ? 'ok' : 'down'} (${c.detail})`)
    .join('\n');
  state.members = members;
  state.types = new Map(types.map((t) => [t.name, t]));
  state.processes = new Map(list.items.map((p) => [p.id, p]));
  state.batches = batches;
  renderMembers();
  renderProcesses();
  await Promise.all(list.items.map(loadRemoteUrls));
  renderProcesses();
}

async function onAction(button) {
  const { action, id, step } = button.dataset;
  if (action === 'cancel') {
    const reason = `cancelled from the ${state.local} dashboard`;
    const answer = await api.cancel(id, reason);
    if (answer?.outcome === 'refused') showError(new Error(`the cancel was refused: ${answer.reason ?? 'too late'}`));
  } else {
    const comment = $(`comment-${id}-${step}`)?.value.trim();
    await api.decide(id, step, action === 'approve', comment || undefined);
  }
  refreshProcess(id);
}

function wire() {
  $('error-close').addEventListener('click', () => ($('error').hidden = true));
  $('process-list').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action]');
    if (button) void attempt(() => onAction(button), button);
  });
  $('start-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    const input = {
      item: form.get('item'),
      quantity: Number(form.get('quantity')),
      amount: Number(form.get('amount')),
    };
    void attempt(async () => {
      const view = await api.start('trade-settlement', input);
      const result = $('start-result');
      result.dataset.processId = view.id;
      result.textContent = `Started ${view.id.slice(0, 8)} (${view.status})`;
      state.processes.set(view.id, view);
      sortNewestFirst();
      renderProcesses();
      refreshProcess(view.id);
    }, $('start-submit'));
  });
}

wire();
let connectedOnce = false;
followEvents(onEvent, (feed) => {
  $('feed').dataset.state = feed;
  $('feed').textContent = `live feed: ${feed}`;
  // After a drop, events may have been missed: load everything again.
  if (feed === 'live' && connectedOnce) void attempt(loadAll);
  if (feed === 'live') connectedOnce = true;
});
void attempt(loadAll);
