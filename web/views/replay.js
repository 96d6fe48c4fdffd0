// The replay page: a live that has ended plays its recording (HLS VOD) from the start; the chat
// replays in step with the video (each message has its offset in the recording), the pinned
// product changes as the video plays, the timeline shows where each product was pinned, and
// seeking (the video's own controls, the timeline, a product marker) moves chat and pin with it.
// Buying works as on the live page: orders carry the live's id (the server marks them from_replay).
import { h, mount, icon } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { chatMessage, pinnedCard, livePrice } from './livekit.js';
import { openBuySheet } from './buy.js';

const CHUNK_MS = 60000; // the chat is loaded a minute of the recording at a time
const PAGES_PER_CHUNK = 10; // at most 10 x 500 messages per minute are shown
const SHOWN = 150; // messages kept in the list
const POLL_MS = 2000; // while the replay is being made

// mm:ss (or h:mm:ss) of ms.
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const two = (n) => String(n).padStart(2, '0');
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

// The pin in force at offset ms: the last pin/unpin at or before it (pins sorted by offset_ms).
export function pinAt(pins, ms) {
  let cur = null;
  for (const p of pins) { if (p.offset_ms <= ms) cur = p; else break; }
  return cur && cur.product ? cur.product : null;
}

// Plays a VOD playlist in the <video>: hls.js where MSE exists, native HLS otherwise.
function playVod(video, url) {
  const Hls = window.Hls;
  if (Hls && Hls.isSupported()) {
    const hls = new Hls({ enableWorker: true, backBufferLength: 60, startPosition: -1 });
    hls.loadSource(url);
    hls.attachMedia(video);
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else setTimeout(() => hls.startLoad(), 1000);
    });
    return () => { try { hls.destroy(); } catch { /* ignore */ } };
  }
  video.src = url;
  return () => { video.removeAttribute('src'); try { video.load(); } catch { /* ignore */ } };
}

// Mounts the replay page of live (status ENDED, live.replay set) into ctx.el. Returns dispose().
export function buildReplayPage(ctx, live) {
  const id = live.id;
  let replay = live.replay;
  let stop = () => {};
  let disposed = false;
  const timers = new Set();
  const later = (fn, ms) => { const x = setTimeout(() => { timers.delete(x); fn(); }, ms); timers.add(x); };

  const video = h('video', { id: 'replay-player', controls: true, muted: true, playsinline: true, 'webkit-playsinline': '', preload: 'auto' });
  video.muted = true; video.defaultMuted = true;
  const stateEl = h('div', { class: 'stage-state', id: 'replay-state' });
  const pinnedSlot = h('div', { class: 'pinned-slot', id: 'pinned' });
  const chatEl = h('div', { class: 'chat-list', id: 'chat-list', role: 'log', 'aria-live': 'polite' });
  const chatEmpty = h('div', { class: 'chat-empty' }, t('replay.chatEmpty'));
  const fill = h('div', { class: 'replay-fill', id: 'replay-fill' });
  const markers = h('div', { class: 'replay-markers' });
  const now = h('span', { class: 'replay-clock', id: 'replay-clock' }, '0:00');
  const total = h('span', { class: 'replay-clock' }, '');
  const bar = h('div', { class: 'replay-bar', id: 'replay-timeline', role: 'slider', tabindex: '0', 'aria-label': t('replay.timeline'),
    onclick: (e) => {
      const r = bar.getBoundingClientRect();
      seek(lo() + ((e.clientX - r.left) / Math.max(1, r.width)) * (hi() - lo()));
    },
    onkeydown: (e) => {
      if (e.key === 'ArrowRight') seek(cur() + 5000);
      else if (e.key === 'ArrowLeft') seek(cur() - 5000);
    } }, fill, markers);

  const buy = (p) => openBuySheet({ ...p, price: livePrice(p) }, { liveId: id, hold: false });

  const page = h('div', { class: 'live-page replay-page', id: 'replay-page', 'data-status': 'ENDED' },
    h('div', { class: 'live-layout' },
      h('div', { class: 'live-stage' },
        video,
        h('div', { class: 'stage-shade top', 'aria-hidden': 'true' }),
        h('div', { class: 'stage-top' },
          h('div', { class: 'stage-badges' }, h('span', { class: 'badge badge-replay', id: 'live-status' }, icon('play', 11), t('replay.badge'))),
          h('div', { class: 'stage-title' },
            h('h1', { class: 'live-title' }, live.title),
            h('div', { class: 'live-seller' }, live.seller_name || ''))),
        stateEl,
        pinnedSlot),
      h('aside', { class: 'live-side' },
        h('div', { class: 'side-head' }, h('strong', null, live.title)),
        h('div', { class: 'replay-timeline' }, bar, h('div', { class: 'replay-times' }, now, total)),
        chatEl,
        h('div', { class: 'chat-login muted small' }, t('replay.chatNote')))));
  mount(ctx.el, page);

  // the replay's time range: the seller's trim, else the whole recording (ms)
  const dur = () => replay?.duration_ms || (Number.isFinite(video.duration) ? video.duration * 1000 : 0);
  const lo = () => replay?.trim_start_ms || 0;
  const hi = () => (replay?.trim_end_ms != null ? Math.min(replay.trim_end_ms, dur() || replay.trim_end_ms) : dur());
  const cur = () => video.currentTime * 1000;
  function seek(ms) {
    const to = Math.min(Math.max(ms, lo()), Math.max(lo(), hi() - 100));
    video.currentTime = to / 1000;
    update(true);
  }

  /* ---- pins ---- */
  let pins = [];
  let pinnedId;
  function drawMarkers() {
    const span = hi() - lo();
    if (!(span > 0)) return;
    mount(markers, pins.filter((p) => p.product && p.offset_ms >= lo() && p.offset_ms <= hi()).map((p) =>
      h('button', {
        class: 'replay-marker', type: 'button', title: p.product.name, 'aria-label': t('replay.seekTo', { name: p.product.name }),
        dataset: { productId: String(p.product_id), offset: String(p.offset_ms) },
        style: { left: `${((p.offset_ms - lo()) / span) * 100}%` },
        onclick: (e) => { e.stopPropagation(); seek(p.offset_ms + 1); },
      })));
  }
  function showPin(ms) {
    const p = pinAt(pins, ms);
    if ((p?.id ?? null) === pinnedId) return;
    pinnedId = p?.id ?? null;
    mount(pinnedSlot, pinnedCard(p, buy));
    if (p) pinnedSlot.firstChild.classList.add('flash');
  }

  /* ---- chat: loaded by the minute, shown up to the video's time ---- */
  const chunks = new Map(); // index -> messages (sorted) | 'loading'
  async function loadChunk(i) {
    if (i < 0 || chunks.has(i)) return;
    chunks.set(i, 'loading');
    const out = [], seen = new Set();
    let from = i * CHUNK_MS;
    try {
      for (let n = 0; n < PAGES_PER_CHUNK && from != null; n++) {
        const r = await get(`/api/v1/lives/${encodeURIComponent(id)}/chat/replay?from_ms=${from}&to_ms=${(i + 1) * CHUNK_MS - 1}&limit=500`);
        for (const m of r.items || []) if (!seen.has(m.id)) { seen.add(m.id); out.push(m); }
        from = r.next_from_ms;
      }
      chunks.set(i, out);
    } catch { chunks.delete(i); return; }
    if (!disposed) update(true);
  }
  let shown = []; // ids in the list, in order
  function showChat(ms, force) {
    if (replay?.status !== 'READY') return;
    const k = Math.floor(ms / CHUNK_MS);
    loadChunk(k - 1); loadChunk(k); loadChunk(k + 1);
    const list = [];
    for (const i of [k - 1, k]) {
      const c = chunks.get(i);
      if (Array.isArray(c)) for (const m of c) if (m.offset_ms <= ms) list.push(m);
    }
    const want = list.slice(-SHOWN);
    const last = shown[shown.length - 1];
    const at = last == null ? -1 : want.findIndex((m) => m.id === last);
    if (!force && at === want.length - 1 && want.length) return; // nothing new
    const nearBottom = chatEl.scrollHeight - chatEl.scrollTop - chatEl.clientHeight < 60;
    if (at >= 0 && shown.length && want[0] && shown.includes(want[0].id)) {
      for (const m of want.slice(at + 1)) chatEl.appendChild(chatMessage(m)); // playing on: append
      while (chatEl.querySelectorAll('.chat-msg').length > SHOWN) chatEl.querySelector('.chat-msg').remove();
    } else {
      mount(chatEl, want.length ? want.map(chatMessage) : chatEmpty); // seeked: the list as of now
    }
    shown = want.map((m) => m.id);
    if (nearBottom || force) chatEl.scrollTop = chatEl.scrollHeight;
  }

  function update(force) {
    const ms = cur();
    showPin(ms);
    showChat(ms, force);
    const span = hi() - lo();
    fill.style.width = span > 0 ? `${Math.min(100, Math.max(0, ((ms - lo()) / span) * 100))}%` : '0%';
    now.textContent = clock(ms - lo());
    total.textContent = span > 0 ? clock(span) : '';
    bar.setAttribute('aria-valuenow', String(Math.round(ms)));
  }

  video.addEventListener('timeupdate', () => {
    if (replay?.trim_end_ms != null && cur() >= replay.trim_end_ms) video.pause();
    update(false);
  });
  video.addEventListener('seeked', () => update(true));
  video.addEventListener('loadedmetadata', () => {
    video.classList.toggle('landscape', video.videoWidth > video.videoHeight);
    if (cur() < lo()) video.currentTime = lo() / 1000;
    drawMarkers();
    update(true);
  });
  video.addEventListener('playing', () => { stateEl.hidden = true; });
  video.addEventListener('play', () => { if (cur() < lo() || (replay?.trim_end_ms != null && cur() >= replay.trim_end_ms - 100)) video.currentTime = lo() / 1000; });

  function showState(kind) {
    stateEl.hidden = false;
    stateEl.className = `stage-state state-${kind === 'preparing' ? 'waiting' : 'ended'}`;
    if (kind === 'preparing') mount(stateEl, h('span', { class: 'spinner light' }), h('div', { class: 'state-sub', id: 'replay-preparing' }, t('replay.preparing')));
    else mount(stateEl, h('div', { class: 'state-title', id: 'live-ended' }, t('live.ended')),
      h('div', { class: 'state-sub' }, kind === 'failed' ? t('replay.failed') : ''),
      h('a', { class: 'pill', href: '#/' }, t('home.goHome')));
  }

  // pins and chat are read once the replay is made: their offsets are on its timeline
  function loadPins() {
    get(`/api/v1/lives/${encodeURIComponent(id)}/pins`).then((r) => {
      if (disposed) return;
      pins = (r.items || []).slice().sort((a, b) => a.offset_ms - b.offset_ms);
      drawMarkers();
      update(true);
    }).catch(() => { if (!disposed) later(loadPins, POLL_MS); });
  }

  function start() {
    chunks.clear();
    loadPins();
    if (replay.poster_url) video.poster = replay.poster_url;
    stateEl.hidden = true;
    stop = playVod(video, replay.playlist_url);
    video.play().catch(() => {});
    drawMarkers();
    update(true);
  }

  // while it is being made: poll until READY (FAILED / DELETED: the ended state)
  async function waitReady() {
    if (disposed) return;
    try {
      const l = await get(`/api/v1/lives/${encodeURIComponent(id)}`);
      if (disposed) return;
      replay = l.replay;
    } catch { /* offline: try again */ }
    if (replay?.status === 'READY') start();
    else if (replay && (replay.status === 'RECORDING' || replay.status === 'PROCESSING')) later(waitReady, POLL_MS);
    else showState('failed');
  }

  if (replay?.status === 'READY') start();
  else if (replay && replay.status !== 'FAILED' && replay.status !== 'DELETED') { showState('preparing'); later(waitReady, POLL_MS); }
  else showState('failed');

  const dispose = () => {
    if (disposed) return;
    disposed = true;
    for (const x of timers) clearTimeout(x);
    stop();
    video.pause();
  };
  ctx.onCleanup(dispose);
  return { dispose, page, seek };
}

// 1 when the live page should show the replay instead: ENDED with a replay that is (or will be) playable.
export function hasReplay(live) {
  return live.status === 'ENDED' && !!live.replay && ['RECORDING', 'PROCESSING', 'READY'].includes(live.replay.status);
}
