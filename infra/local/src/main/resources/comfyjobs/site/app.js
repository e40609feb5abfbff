// The jobs page: the caller's jobs with live progress over the WebSocket API, thumbnails of finished
// images, cancel buttons, and a submit form built from a template's params JSON Schema.
// Server text only ever becomes text nodes or attribute values, never markup.
'use strict';

const LIVE = new Set(['queued', 'running', 'finalizing']);
const CANCELABLE = new Set(['queued', 'running']);
const ENDED = new Set(['succeeded', 'failed', 'canceled', 'expired']);
const RECONNECT_MAX_MS = 10000;

const state = {
  config: null,
  jobs: new Map(),
  templates: new Map(),
  socket: null,
  reconnectMs: 500
};

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null) {
      continue;
    }
    if (k === 'class') {
      e.className = v;
    } else if (k.startsWith('data-') || k.startsWith('aria-')) {
      e.setAttribute(k, String(v));
    } else {
      e[k] = v;
    }
  }
  for (const c of children) {
    if (c !== undefined && c !== null) {
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }
  return e;
}

// --- who the caller is: X-Dev-User on the development stack, an API key under serve ---

function storageKey() {
  return state.config.credential === 'key' ? 'comfyjobs.key' : 'comfyjobs.user';
}

function identity() {
  const stored = localStorage.getItem(storageKey());
  if (stored) {
    return stored.trim();
  }
  return state.config.credential === 'key' ? '' : state.config.defaultUser;
}

function identityHeaders() {
  const who = identity();
  if (!who) {
    return {};
  }
  return state.config.credential === 'key' ? {Authorization: 'Bearer ' + who} : {'X-Dev-User': who};
}

async function api(method, path, body) {
  const headers = identityHeaders();
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  let response;
  let text;
  try {
    response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
    text = await response.text();
  } catch (e) {
    // the stack stopped, or a user name a header cannot carry: said where the answer would have been
    return {status: 0, ok: false, data: {detail: 'no answer: ' + e.message}};
  }
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = {detail: text};
    }
  }
  return {status: response.status, ok: response.ok, data};
}

function problemText(r) {
  const d = r.data || {};
  return d.detail || d.title || d.message || ('HTTP ' + r.status);
}

// --- the jobs ---

/** Keeps the newer of two views of a job: a push can overtake a GET, two functions can push at once. */
function upsert(job) {
  if (!job || typeof job.jobId !== 'string') {
    return;
  }
  const known = state.jobs.get(job.jobId);
  if (known) {
    if (ENDED.has(known.status) && !ENDED.has(job.status)) {
      return;
    }
    if (known.updatedAt && job.updatedAt && job.updatedAt < known.updatedAt) {
      return;
    }
  }
  state.jobs.set(job.jobId, job);
  renderJob(job);
}

function percent(job) {
  const p = Number(job.progress);
  return Number.isFinite(p) ? Math.max(0, Math.min(100, Math.round(p * 100))) : 0;
}

function isHttpUrl(u) {
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch (e) {
    return false;
  }
}

function jobCard(job) {
  const pct = percent(job);
  const fill = el('div', {class: 'fill'});
  fill.style.width = pct + '%';
  const card = el('li', {class: 'job', 'data-job-id': job.jobId, 'data-status': job.status},
    el('div', {class: 'job-head'},
      el('code', {class: 'job-id', title: job.jobId}, job.jobId),
      el('span', {class: 'template-name'}, job.template ? job.template + ' v' + job.templateVersion : job.type),
      el('span', {class: 'badge', 'data-status': job.status}, job.status + (job.cancelRequested && LIVE.has(job.status) ? ' (cancel requested)' : ''))),
    el('div', {class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct}, fill),
    el('span', {class: 'pct'}, pct + '%'),
    job.step && job.status === 'running' ? el('span', {class: 'step'}, ' step ' + job.step.value + '/' + job.step.max) : null);
  if (job.error) {
    card.append(el('p', {class: 'job-error'}, [job.error.type, job.error.message].filter(Boolean).join(': ')));
  }
  const images = (job.artifacts || []).filter(a => typeof a.contentType === 'string' && a.contentType.startsWith('image/') && isHttpUrl(a.url));
  if (job.status === 'succeeded' && images.length > 0) {
    const thumbs = el('div', {class: 'thumbs'});
    for (const a of images) {
      thumbs.append(el('a', {href: a.url, target: '_blank', rel: 'noopener noreferrer'},
        el('img', {class: 'thumb', src: a.url, alt: a.filename || 'output', title: a.filename || ''})));
    }
    card.append(thumbs);
  }
  if (CANCELABLE.has(job.status) && !job.cancelRequested) {
    card.append(el('button', {class: 'cancel', type: 'button', onclick: () => cancel(job.jobId)}, 'Cancel'));
  }
  return card;
}

function renderJob(job) {
  const list = document.getElementById('jobs');
  const card = jobCard(job);
  const old = Array.from(list.children).find(c => c.getAttribute('data-job-id') === job.jobId);
  if (old) {
    // the same images again keep their element, so a progress push does not reload a thumbnail
    const oldThumbs = old.querySelector('.thumbs');
    const newThumbs = card.querySelector('.thumbs');
    if (oldThumbs && newThumbs && oldThumbs.children.length === newThumbs.children.length) {
      newThumbs.replaceWith(oldThumbs);
    }
    old.replaceWith(card);
  } else {
    const after = Array.from(list.children).find(c => (state.jobs.get(c.getAttribute('data-job-id')) || {}).createdAt < job.createdAt);
    list.insertBefore(card, after || null);
  }
}

async function loadJobs() {
  const r = await api('GET', '/jobs?limit=50');
  const error = document.getElementById('jobs-error');
  if (!r.ok) {
    error.textContent = problemText(r);
    return;
  }
  error.textContent = '';
  for (const job of r.data.jobs || []) {
    upsert(job);
  }
}

async function refresh(jobId) {
  const r = await api('GET', '/jobs/' + encodeURIComponent(jobId));
  if (r.ok) {
    upsert(r.data);
  }
}

async function cancel(jobId) {
  const r = await api('DELETE', '/jobs/' + encodeURIComponent(jobId));
  if (r.ok) {
    upsert(r.data);
  } else {
    document.getElementById('jobs-error').textContent = problemText(r);
  }
}

// --- live progress: every job of the caller's, those submitted later included ---

function webSocketUrl() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const who = identity();
  const query = (state.config.credential === 'key' ? 'token=' : 'user=') + encodeURIComponent(who);
  return scheme + '://' + location.hostname + ':' + state.config.webSocketPort + state.config.webSocketPath + '?' + query;
}

function setConnection(s, text) {
  const c = document.getElementById('connection');
  c.setAttribute('data-state', s);
  c.textContent = text;
}

function connect() {
  if (state.socket) {
    state.socket.onclose = null;
    state.socket.close();
  }
  const socket = new WebSocket(webSocketUrl());
  state.socket = socket;
  setConnection('connecting', 'connecting');
  socket.onopen = () => {
    state.reconnectMs = 500;
    socket.send(JSON.stringify({action: 'subscribe', all: true}));
  };
  socket.onmessage = (e) => {
    let m;
    try {
      m = JSON.parse(e.data);
    } catch (err) {
      return;
    }
    if (m.type === 'subscribed') {
      setConnection('live', 'live');
      // what changed while no connection listened is not replayed: read it
      loadJobs();
    } else if (typeof m.type === 'string' && m.type.startsWith('job.') && m.data) {
      if (m.truncated === true) {
        // too large for one message: its outputs and artifacts come with GET
        refresh(m.data.jobId);
      } else {
        upsert(m.data);
      }
    }
  };
  socket.onclose = () => {
    if (state.socket !== socket) {
      return;
    }
    setConnection('closed', 'offline, retrying');
    setTimeout(() => {
      if (state.socket === socket) {
        connect();
      }
    }, state.reconnectMs);
    state.reconnectMs = Math.min(state.reconnectMs * 2, RECONNECT_MAX_MS);
  };
}

// --- the submit form, from the chosen template's params JSON Schema ---

function pointerOf(name) {
  return '/params/' + name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function fieldFor(name, schema, required) {
  const id = 'param-' + name;
  let input;
  if (Array.isArray(schema.enum)) {
    input = el('select', {id, name});
    if (!required || schema.default === undefined) {
      input.append(el('option', {value: ''}, ''));
    }
    for (const v of schema.enum) {
      input.append(el('option', {value: JSON.stringify(v), selected: v === schema.default}, String(v)));
    }
  } else if (schema.type === 'boolean') {
    input = el('input', {id, name, type: 'checkbox', checked: schema.default === true});
  } else if (schema.type === 'integer' || schema.type === 'number') {
    input = el('input', {id, name, type: 'number', min: schema.minimum, max: schema.maximum,
      step: schema.multipleOf || (schema.type === 'integer' ? 1 : 'any'),
      value: schema.default === undefined ? '' : String(schema.default)});
  } else if (schema.format === 'image') {
    input = el('input', {id, name, type: 'url', placeholder: 'https://... or data:image/png;base64,...'});
  } else if (schema.type === 'string' && (schema.maxLength === undefined || schema.maxLength > 1000)) {
    input = el('textarea', {id, name, rows: 2, maxLength: schema.maxLength, value: schema.default === undefined ? '' : String(schema.default)});
  } else {
    input = el('input', {id, name, type: 'text', maxLength: schema.maxLength,
      value: schema.default === undefined ? '' : String(schema.default)});
  }
  input.setAttribute('data-param', name);
  input.setAttribute('data-kind', Array.isArray(schema.enum) ? 'enum' : schema.type === undefined ? 'string' : schema.type);
  const range = schema.minimum !== undefined || schema.maximum !== undefined
    ? ' (' + (schema.minimum ?? '') + '..' + (schema.maximum ?? '') + ')' : '';
  return el('div', {class: input.tagName === 'TEXTAREA' ? 'field wide' : 'field'},
    el('label', {htmlFor: id}, name + (required ? ' *' : '') + range),
    input,
    schema.description ? el('small', {class: 'description'}, schema.description) : null,
    el('p', {class: 'field-error', 'data-pointer': pointerOf(name)}));
}

function renderForm() {
  const t = state.templates.get(document.getElementById('template').value);
  const fields = document.getElementById('fields');
  fields.replaceChildren();
  clearErrors();
  document.getElementById('template-description').textContent = t ? (t.description || '') : '';
  if (!t) {
    return;
  }
  const schema = t.params || {};
  const required = new Set(schema.required || []);
  const names = Object.keys(schema.properties || {});
  names.sort((a, b) => Number(required.has(b)) - Number(required.has(a)));
  for (const name of names) {
    fields.append(fieldFor(name, schema.properties[name], required.has(name)));
  }
}

/** The form's params; a field left empty is left out, so the template's default or a random seed applies. */
function params() {
  const out = {};
  for (const input of document.querySelectorAll('#fields [data-param]')) {
    const name = input.getAttribute('data-param');
    const kind = input.getAttribute('data-kind');
    if (kind === 'boolean') {
      out[name] = input.checked;
    } else if (input.value === '') {
      continue;
    } else if (kind === 'enum') {
      out[name] = JSON.parse(input.value);
    } else if (kind === 'integer' || kind === 'number') {
      // what is not a number goes as typed, and the server says what is wrong with it
      const n = Number(input.value);
      out[name] = Number.isFinite(n) ? n : input.value;
    } else {
      out[name] = input.value;
    }
  }
  return out;
}

function clearErrors() {
  for (const p of document.querySelectorAll('#params .field-error')) {
    p.textContent = '';
  }
  for (const f of document.querySelectorAll('#fields .invalid')) {
    f.classList.remove('invalid');
  }
}

function showProblem(r) {
  const general = [];
  const errors = (r.data && Array.isArray(r.data.errors)) ? r.data.errors : [];
  for (const e of errors) {
    const slot = Array.from(document.querySelectorAll('#fields .field-error')).find(p => p.getAttribute('data-pointer') === e.pointer);
    if (slot) {
      slot.textContent = slot.textContent ? slot.textContent + '; ' + e.message : String(e.message);
      slot.parentElement.classList.add('invalid');
    } else {
      general.push((e.pointer ? e.pointer + ' ' : '') + e.message);
    }
  }
  document.getElementById('form-error').textContent = errors.length === 0 ? problemText(r) : general.join('; ');
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const status = document.getElementById('submit-status');
  status.textContent = 'submitting...';
  status.removeAttribute('data-job-id');
  const template = document.getElementById('template').value;
  const r = await api('POST', '/jobs', {template, params: params()});
  if (r.status !== 202) {
    status.textContent = '';
    showProblem(r);
    return;
  }
  status.textContent = 'submitted ' + r.data.jobId;
  status.setAttribute('data-job-id', r.data.jobId);
  await refresh(r.data.jobId);
}

async function loadTemplates() {
  const select = document.getElementById('template');
  select.removeAttribute('data-loaded');
  const r = await api('GET', '/templates');
  const chosen = select.value;
  select.replaceChildren();
  state.templates.clear();
  if (!r.ok) {
    document.getElementById('form-error').textContent = problemText(r);
    return;
  }
  for (const t of r.data.templates || []) {
    state.templates.set(t.name, t);
    select.append(el('option', {value: t.name}, t.name + ' v' + t.version));
  }
  if (state.templates.has(chosen)) {
    select.value = chosen;
  }
  renderForm();
  select.setAttribute('data-loaded', 'true');
}

// --- start, and start again for another caller ---

function switchCaller() {
  state.jobs.clear();
  document.getElementById('jobs').replaceChildren();
  if (!identity()) {
    if (state.socket) {
      state.socket.onclose = null;
      state.socket.close();
      state.socket = null;
    }
    setConnection('closed', 'enter your API key');
    return;
  }
  loadTemplates();
  // at once, and again once subscribed: a refused caller (a wrong key) is told so here, not only by a socket that never opens
  loadJobs();
  connect();
}

async function start() {
  const r = await fetch('/local-config.json');
  state.config = await r.json();
  const field = document.getElementById('identity');
  document.getElementById('identity-label').textContent = state.config.credential === 'key' ? 'API key' : 'user';
  field.type = state.config.credential === 'key' ? 'password' : 'text';
  field.value = identity();
  field.addEventListener('change', () => {
    localStorage.setItem(storageKey(), field.value);
    switchCaller();
  });
  document.getElementById('template').addEventListener('change', renderForm);
  document.getElementById('params').addEventListener('submit', submit);
  switchCaller();
}

document.addEventListener('DOMContentLoaded', start);
