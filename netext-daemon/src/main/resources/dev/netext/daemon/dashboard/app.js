// netext dashboard: renders the daemon's /api/stream (Server-Sent Events). Every value from the daemon goes into the
// page as text (textContent), never as markup: host names and paths come from the network.
'use strict';

const token = (() => {
  const m = /(?:^|[#&?])token=([A-Za-z0-9_-]+)/.exec(location.hash + '&' + location.search);
  if (m) sessionStorage.setItem('netext-token', m[1]);
  return sessionStorage.getItem('netext-token') || '';
})();

const MAX_FLOWS = 300, MAX_DNS = 200, MAX_SAMPLES = 60;
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

function bytes(n) {
  if (n == null || n < 0) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + u[i];
}

// flows and prompts

// the rule that decided: a saved rule's id, or a profile's rule (PROFILE#N or PROFILE#default) with its selectors
function decidedBy(d) {
  if (!d || !d.rule) return '';
  return ' (rule ' + d.rule + (d.match ? ': ' + d.match + ' → ' + d.action : '') + ')';
}

function flowRow(f) {
  const tr = el('tr', { id: 'flow-' + f.id, class: f.state },
    el('td', {}, f.id),
    el('td', { class: 'process', title: (f.process && f.process.executable) || '' }, f.process ? f.process.label : '?'),
    el('td', { class: 'host' }, f.hostname || ''),
    el('td', { class: 'source' }, f.hostname_source || ''),
    el('td', { class: 'remote' }, f.remote),
    el('td', { class: 'direction' }, f.direction === 'in' ? 'in to ' + f.local : 'out'),
    el('td', { class: 'verdict' }, (f.verdict || '…') + decidedBy(f.decided_by)),
    el('td', { class: 'proxy' }, f.proxy || ''),
    el('td', { class: 'bytes' }, bytes(f.bytes_in) + ' / ' + bytes(f.bytes_out)),
    el('td', { class: 'state' }, f.state));
  tr.dataset.state = f.state;
  return tr;
}

function onFlow(f) {
  const body = $('#flows tbody');
  const row = flowRow(f);
  const old = document.getElementById('flow-' + f.id);
  if (old) old.replaceWith(row); else body.prepend(row);
  while (body.rows.length > MAX_FLOWS) body.deleteRow(body.rows.length - 1);
  if (f.prompt) onPrompt(f);
}

function onPrompt(f) {
  const id = 'prompt-' + f.id;
  const card = document.getElementById(id);
  if (f.prompt.outcome === 'pending' && f.state === 'paused') {
    if (card) return;
    const who = el('span', { class: 'process' }, f.process ? f.process.label : '?');
    const what = el('span', { class: 'host' }, f.hostname ? f.hostname : f.remote);
    const buttons = ['allow-once', 'allow-hour', 'allow-always', 'deny', 'deny-hour', 'deny-always'].map((a) => {
      const b = el('button', { class: a, type: 'button' }, a.replace('-', ' ').replace('hour', 'for 1 hour'));
      b.addEventListener('click', () => answer(f.id, a, b.parentElement));
      return b;
    });
    const countdown = el('span', { class: 'countdown' });
    const inbound = f.direction === 'in'; // another host connects to a local server: the remote asks, the server is named
    const c = el('div', { id, class: 'prompt' }, inbound
      ? el('div', { class: 'what' }, what, ' wants to connect to ', who, ' on ' + f.local)
      : el('div', { class: 'what' }, who, ' wants to connect to ', what,
        f.hostname ? ' (' + f.hostname_source + ', ' + f.remote + ')' : ''),
      el('div', {}, ...buttons, countdown,
        el('span', { class: 'default' }, f.prompt.default ? ' default: ' + f.prompt.default : '')));
    c.dataset.deadline = f.prompt.deadline || '';
    $('#prompts').append(c);
  } else {
    if (card) card.remove();
    if (f.prompt.outcome !== 'pending' && !document.getElementById('outcome-' + f.id)) {
      const text = f.prompt.outcome === 'timeout' ? 'timed out → ' + (f.verdict || f.prompt.default) : f.prompt.outcome;
      $('#prompt-outcomes').prepend(el('li', { id: 'outcome-' + f.id },
        'flow ' + f.id + ' ' + (f.process ? f.process.label : '?') + ' → ' + (f.hostname || f.remote) + ': ',
        el('span', { class: 'outcome' }, text)));
    }
  }
  $('#no-prompts').hidden = $('#prompts').children.length > 0;
}

async function answer(flowId, choice, box) {
  for (const b of box.querySelectorAll('button')) b.disabled = true;
  try {
    const r = await fetch('/api/prompts/' + flowId, {
      method: 'POST',
      headers: { 'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ answer: choice }),
    });
    if (!r.ok) box.append(el('span', { class: 'error' }, ' ' + (await r.json()).outcome));
  } catch (e) {
    box.append(el('span', { class: 'error' }, ' ' + e));
  }
}

// saved rules: prompt answers kept, and rules added with netext rules add

async function loadRules() {
  try {
    const r = await fetch('/api/rules', { headers: { 'Authorization': 'Bearer ' + token } });
    if (!r.ok) return;
    const body = $('#rules tbody');
    body.replaceChildren(...(await r.json()).rules.map(ruleRow));
    $('#no-rules').hidden = body.rows.length > 0;
  } catch (e) {
    // the stream's state line says when the daemon is gone
  }
}

function ruleRow(r) {
  const match = ['host', 'process', 'cidr', 'port'].filter((k) => r[k] != null).map((k) => k + '=' + r[k]).join(' ');
  const del = el('button', { class: 'delete', type: 'button' }, 'delete');
  del.addEventListener('click', async () => {
    del.disabled = true;
    await fetch('/api/rules/' + encodeURIComponent(r.id), { method: 'DELETE', headers: { 'Authorization': 'Bearer ' + token } });
    loadRules();
  });
  return el('tr', { id: 'rule-' + r.id },
    el('td', {}, r.id), el('td', { class: 'action' }, r.action), el('td', {}, match), el('td', {}, r.profile || 'all'),
    el('td', {}, r.source), el('td', {}, r.persistent ? (r.expires || 'never') : 'until restart'), el('td', {}, del));
}

setInterval(loadRules, 3000);

setInterval(() => {
  for (const c of document.querySelectorAll('.prompt')) {
    const d = Date.parse(c.dataset.deadline);
    if (!isNaN(d)) c.querySelector('.countdown').textContent = Math.max(0, Math.round((d - Date.now()) / 1000)) + ' s left';
  }
}, 500);

// DNS

function onDns(e) {
  const body = $('#dns tbody');
  if (document.getElementById('dns-' + e.seq)) return; // seen before a reconnect
  body.prepend(el('tr', { id: 'dns-' + e.seq },
    el('td', {}, e.seq), el('td', {}, e.provider), el('td', { class: 'name' }, e.name), el('td', {}, e.qtype),
    el('td', {}, e.rcode), el('td', {}, e.answers), el('td', {}, e.rule || ''), el('td', {}, e.server || ''),
    el('td', {}, e.cache_hit ? 'hit' : ''), el('td', {}, (e.latency_ns / 1e6).toFixed(1))));
  while (body.rows.length > MAX_DNS) body.deleteRow(body.rows.length - 1);
}

// tunnels: a throughput chart per tunnel from successive TunnelBytes counters

const tunnels = new Map();

function tunnel(name) {
  let t = tunnels.get(name);
  if (t) return t;
  const canvas = el('canvas', { width: '600', height: '120' });
  const status = el('span', { class: 'status' });
  const rate = el('span', { class: 'rate' });
  const box = el('div', { class: 'tunnel', id: 'tunnel-' + name },
    el('div', {}, el('strong', {}, name), ' ', status, ' ', rate, ' ',
      el('span', { class: 'legend-in' }, '■ in'), ' ', el('span', { class: 'legend-out' }, '■ out')), canvas);
  $('#tunnels').append(box);
  $('#no-tunnels').hidden = true;
  t = { canvas, status, rate, samples: [], rates: [] };
  tunnels.set(name, t);
  return t;
}

function onTunnelBytes(e) {
  const t = tunnel(e.provider);
  const now = { mono: e.mono_ns, in: e.bytes_in, out: e.bytes_out };
  const prev = t.samples[t.samples.length - 1];
  t.samples.push(now);
  if (t.samples.length > 2) t.samples.shift();
  if (prev && now.mono > prev.mono) {
    const s = (now.mono - prev.mono) / 1e9;
    t.rates.push({ in: Math.max(0, now.in - prev.in) * 8 / s, out: Math.max(0, now.out - prev.out) * 8 / s });
    if (t.rates.length > MAX_SAMPLES) t.rates.shift();
    const last = t.rates[t.rates.length - 1];
    t.rate.textContent = 'in ' + bits(last.in) + ', out ' + bits(last.out);
  }
  draw(t);
}

function bits(n) {
  const u = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
  let i = 0;
  while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return n.toFixed(i ? 1 : 0) + ' ' + u[i];
}

function draw(t) {
  const c = t.canvas, g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  const max = Math.max(1, ...t.rates.map((r) => Math.max(r.in, r.out)));
  const step = c.width / (MAX_SAMPLES - 1);
  for (const [key, color] of [['in', '#1f77b4'], ['out', '#d62728']]) {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    t.rates.forEach((r, i) => {
      const x = (MAX_SAMPLES - t.rates.length + i) * step, y = c.height - 4 - (r[key] / max) * (c.height - 8);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
  }
  g.fillStyle = '#6b7480';
  g.fillText(bits(max), 4, 12);
}

function onStatus(e) {
  if (tunnels.has(e.provider) || e.to === 'connected') tunnel(e.provider).status.textContent = e.to;
}

// the stream

function connect() {
  const es = new EventSource('/api/stream?token=' + encodeURIComponent(token));
  es.addEventListener('hello', () => { $('#connection').textContent = 'live'; loadRules(); });
  es.addEventListener('flow', (m) => onFlow(JSON.parse(m.data)));
  es.addEventListener('dns', (m) => onDns(JSON.parse(m.data)));
  es.addEventListener('tunnel', (m) => onTunnelBytes(JSON.parse(m.data)));
  es.addEventListener('status', (m) => onStatus(JSON.parse(m.data)));
  es.onerror = () => { $('#connection').textContent = token ? 'reconnecting…' : 'no token: open the URL netext dashboard prints'; };
}

connect();
