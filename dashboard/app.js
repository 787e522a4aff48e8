// The tsiot dashboard: plain modules over the REST API, no build step.
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'tsiot.token';
let selected = null;
let plotUrl = null;

function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return { ...extra, ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

/** Call a tool; throws an Error carrying the problem document's detail and hint. */
async function call(tool, input, accept = 'application/json') {
  const res = await fetch(`/v1/tools/${tool}`, {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json', accept }),
    body: JSON.stringify(input),
  });
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const p = await res.json();
      message = [p.detail, p.hint].filter(Boolean).join('\n');
    } catch {}
    if (res.status === 401) message += '\nEnter an API token above.';
    throw new Error(message);
  }
  return accept === 'application/json' ? res.json() : res.blob();
}

function status(id, text, error = false) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', error);
}

function cell(text, code = false) {
  const td = document.createElement('td');
  if (code) {
    const c = document.createElement('code');
    c.textContent = text;
    td.append(c);
  } else td.textContent = text;
  return td;
}

async function refresh() {
  try {
    const { result } = await call('list_series', { limit: 100 });
    const body = $('series').tBodies[0];
    body.replaceChildren();
    for (const s of result.items) {
      const tr = document.createElement('tr');
      tr.dataset.id = s.id;
      const look = document.createElement('button');
      look.type = 'button';
      look.textContent = 'Look';
      look.className = 'look';
      look.addEventListener('click', () => show(s));
      const tdLook = document.createElement('td');
      tdLook.append(look);
      const tick = document.createElement('input');
      tick.type = 'checkbox';
      tick.className = 'tick';
      tick.value = s.id;
      tick.title = 'compare with the series you look at';
      tick.addEventListener('change', updateCompare);
      const tdTick = document.createElement('td');
      tdTick.append(tick);
      tr.append(
        tdLook,
        tdTick,
        cell(s.name),
        cell(s.metadata.deviceId ?? ''),
        cell(String(s.points)),
        cell(s.columns.map((c) => c.name).join(', ')),
        cell(s.id, true),
      );
      body.append(tr);
    }
    status(
      'series-status',
      `${result.total} series stored${result.total > result.items.length ? ` (first ${result.items.length} shown)` : ''}.`,
    );
  } catch (e) {
    status('series-status', e.message, true);
  }
}

function ticked() {
  return [...document.querySelectorAll('input.tick:checked')].map((t) => t.value).filter((id) => id !== selected?.id);
}

function updateCompare() {
  $('compare-button').disabled = !selected || ticked().length === 0;
}

async function draw(input) {
  const blob = await call('plot_series', { width: 760, ...input }, 'image/png');
  if (plotUrl) URL.revokeObjectURL(plotUrl);
  plotUrl = URL.createObjectURL(blob);
  const img = $('plot');
  await new Promise((resolve, reject) => {
    img.onload = resolve;
    img.onerror = () => reject(new Error('the plot could not be shown'));
    img.src = plotUrl;
  });
}

async function show(s) {
  selected = s;
  $('look-panel').hidden = false;
  $('look-title').textContent = `Look: ${s.name}`;
  $('report').replaceChildren();
  updateCompare();
  status('look-status', 'Drawing…');
  try {
    await draw({ series: s.id, title: s.name });
    status('look-status', `${s.points} rows, ${s.labels} labelled intervals (anomalies shaded red, gaps grey).`);
  } catch (e) {
    status('look-status', e.message, true);
  }
}

async function compare() {
  const others = ticked();
  if (!selected || others.length === 0) return;
  status('look-status', 'Comparing…');
  try {
    const against = others.length === 1 ? others[0] : others;
    const [{ result }] = await Promise.all([
      call('compare_series', { a: selected.id, b: against }),
      draw({
        series: selected.id,
        compare: against,
        seriesLabel: 'a',
        compareLabel: 'b',
        title: `${selected.name} vs ${others.length} series`,
      }),
    ]);
    const report = $('report');
    report.replaceChildren();
    const score = document.createElement('p');
    score.className = 'score';
    score.textContent = `Score ${result.score} / 100 — ${result.verdict}`;
    const summary = document.createElement('p');
    summary.textContent = result.summary;
    const table = document.createElement('table');
    table.id = 'compare-table';
    const head = document.createElement('tr');
    for (const h of ['column', 'mean a', 'mean b', 'std a', 'std b', 'KS p-value']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    table.append(head);
    const fmt = (v) => (typeof v === 'number' ? v.toPrecision(4) : '—');
    for (const c of result.columns) {
      const tr = document.createElement('tr');
      tr.append(
        cell(c.column),
        cell(fmt(c.a.mean)),
        cell(fmt(c.b.mean)),
        cell(fmt(c.a.std)),
        cell(fmt(c.b.std)),
        cell(fmt(c.ksPValue)),
      );
      table.append(tr);
    }
    report.append(score, summary, table);
    status('look-status', `Compared with ${others.length} series.`);
  } catch (e) {
    status('look-status', e.message, true);
  }
}

async function download() {
  if (!selected) return;
  const format = $('download-format').value;
  try {
    const { result } = await call('export_series', { ids: [selected.id], format, inline: true });
    if (result.content === undefined) {
      status(
        'look-status',
        `The export is ${result.bytes} bytes, over the inline limit; it was written on the server to ${result.path}.`,
      );
      return;
    }
    const ext = { csv: 'csv', ndjson: 'ndjson', line: 'lp' }[format];
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([result.content], { type: 'text/plain' }));
    a.download = `${selected.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.${ext}`;
    document.body.append(a);
    a.click();
    a.remove();
    status('look-status', `Downloaded ${result.rows} rows (${result.bytes} bytes).`);
  } catch (e) {
    status('look-status', e.message, true);
  }
}

async function generate(event) {
  event.preventDefault();
  const f = new FormData(event.target);
  const sensors = f.getAll('sensor').map((type) => ({ type }));
  const seed = String(f.get('seed') ?? '').trim();
  const spikes = Number(f.get('spikes') || 0);
  const missingRate = Number(f.get('missingRate') || 0);
  const input = {
    name: f.get('name') || undefined,
    devices: Number(f.get('devices')),
    sensors,
    duration: f.get('duration'),
    interval: f.get('interval'),
    ...(spikes > 0 ? { anomalies: [{ type: 'spike', count: spikes }] } : {}),
    ...(missingRate > 0 ? { imperfections: { missingRate } } : {}),
    ...(seed ? { seed: /^\d+$/.test(seed) ? Number(seed) : seed } : {}),
  };
  $('generate-button').disabled = true;
  status('generate-status', 'Generating…');
  try {
    const { result, summary } = await call('generate_timeseries', input);
    status('generate-status', `${summary} Seed ${result.seed}.`);
    await refresh();
    const first = result.series[0];
    const row = first?.id
      ? (await call('list_series', { limit: 100 })).result.items.find((s) => s.id === first.id)
      : null;
    if (row) await show(row);
  } catch (e) {
    status('generate-status', e.message, true);
  } finally {
    $('generate-button').disabled = false;
  }
}

$('auth').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $('token').value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  $('token').value = '';
  $('token').placeholder = token ? 'token set' : 'only when the server asks for one';
  refresh();
});
$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  $('token').placeholder = 'only when the server asks for one';
  refresh();
});
$('generate').addEventListener('submit', generate);
$('refresh').addEventListener('click', refresh);
$('compare-button').addEventListener('click', compare);
$('download').addEventListener('click', download);
if (sessionStorage.getItem(TOKEN_KEY)) $('token').placeholder = 'token set';
refresh();
