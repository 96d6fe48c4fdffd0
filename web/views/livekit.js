// Building blocks shared by the live page and the studio: HLS player, chat socket, chat rendering, pinned card.
import { h, mount, icon } from '../dom.js';
import { t } from '../i18n.js';
import { price, time } from '../format.js';
import { accessToken, refreshTokens, get, items } from '../api.js';
import { productImage } from './ui.js';

/* ---------- player ---------- */
// Live latency tuning (bench/latency.mjs measures it glass-to-glass). nginx-rtmp cuts 1 s segments
// (hls_fragment 1s, cut at the publisher's 1 s keyframes) and lists one as soon as it closes, so the
// newest frame is on the server ~1 s after capture. hls.js plays LIVE_SYNC seconds behind its
// estimate of the live edge (edge of the last playlist + the playlist's age), speeding up to
// LIVE_MAX_RATE when it has fallen behind that target, and jumps forward when it is more than
// LIVE_MAX_LATENCY behind. A stall (hls.js BUFFER_STALLED_ERROR: the playhead reached the end of
// the buffer) steps back: the target grows by STALL_STEP (at most STALL_MAX_EXTRA), so a slow
// network gets a bigger buffer instead of stalling again; after STABLE_MS without a stall the
// target comes back by one step.
const LIVE_SYNC = 1.2, LIVE_MAX_LATENCY = 6, LIVE_MAX_RATE = 1.5;
const STALL_STEP = 0.5, STALL_MAX_EXTRA = 3, STABLE_MS = 60000;

// Plays an HLS URL in the <video>: hls.js where MSE exists, native HLS (Safari/iOS) otherwise.
// Retries with backoff while the playlist is not there yet (the publisher just started).
export function createPlayer(video, { onPlaying, onWaiting } = {}) {
  let hls = null, url = null, timer = null, attempt = 0, stopped = true;
  let extra = 0, lastStall = 0, stableTimer = null; // seconds added to LIVE_SYNC after stalls
  const target = () => Math.round((LIVE_SYNC + extra) * 10) / 10;

  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    const delay = Math.min(1000 * 2 ** attempt, 8000);
    attempt++;
    timer = setTimeout(start, delay);
  };
  const tryPlay = () => { const p = video.play(); if (p && p.catch) p.catch(() => {}); };

  function teardown() {
    clearTimeout(timer);
    clearInterval(stableTimer);
    if (hls) { try { hls.destroy(); } catch { /* ignore */ } hls = null; }
  }

  // The live target latency (seconds behind the estimated edge) after `extra` changed.
  // data-live-sync on the <video> shows the current target (the latency bench and tests read it).
  function applyTarget() {
    video.dataset.liveSync = String(target());
    if (!hls) return;
    hls.config.liveMaxLatencyDuration = LIVE_MAX_LATENCY + extra;
    hls.targetLatency = target(); // hls.js setter: also resets its own stall count
  }
  function onStall() {
    lastStall = Date.now();
    if (extra >= STALL_MAX_EXTRA) return;
    extra = Math.min(STALL_MAX_EXTRA, extra + STALL_STEP);
    applyTarget();
  }
  function relax() {
    if (extra <= 0 || Date.now() - lastStall < STABLE_MS) return;
    extra = Math.max(0, extra - STALL_STEP);
    lastStall = Date.now(); // one step per stable period
    applyTarget();
  }

  function start() {
    teardown();
    if (stopped || !url) return;
    onWaiting && onWaiting();
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      hls = new Hls({
        liveSyncDuration: target(), liveMaxLatencyDuration: LIVE_MAX_LATENCY + extra,
        maxLiveSyncPlaybackRate: LIVE_MAX_RATE, liveSyncOnStallIncrease: 0, // stalls: onStall
        lowLatencyMode: true, // LL-HLS parts if the ingest ever offers them; nginx-rtmp writes none
        manifestLoadingMaxRetry: 2, enableWorker: true, backBufferLength: 30,
      });
      hls.on(Hls.Events.MANIFEST_PARSED, tryPlay);
      video.dataset.liveSync = String(target());
      stableTimer = setInterval(relax, 5000);
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (data.details === Hls.ErrorDetails.BUFFER_STALLED_ERROR) onStall();
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR && attempt < 3) { attempt++; hls.recoverMediaError(); return; }
        schedule();
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = url;
      video.addEventListener('error', schedule, { once: true });
      tryPlay();
    }
  }

  video.addEventListener('playing', () => { attempt = 0; onPlaying && onPlaying(); });
  video.addEventListener('loadedmetadata', () => {
    video.classList.toggle('landscape', video.videoWidth > video.videoHeight);
  });

  return {
    load(u) {
      if (!stopped && url === u) return;
      url = u; stopped = false; attempt = 0; extra = 0; start();
    },
    stop() {
      stopped = true; teardown();
      video.pause();
      video.removeAttribute('src');
      try { video.load(); } catch { /* ignore */ }
    },
  };
}

/* ---------- chat socket ---------- */
// Connects to the live's chat, reconnecting with backoff. On every (re)connect it loads the history.
// handlers: {onFrame(frame), onHistory(frames), onState('open'|'closed'|'connecting')}
export function connectChat(liveId, handlers) {
  let ws = null, closed = false, attempt = 0, timer = null, openedOnce = false;
  let lastSeq = 0; // the highest room event number seen: a reconnect resumes after it (?last_id)

  function url() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const tok = accessToken();
    const q = [tok ? `access_token=${encodeURIComponent(tok)}` : '', lastSeq > 0 ? `last_id=${lastSeq}` : ''].filter(Boolean).join('&');
    return `${proto}//${location.host}/api/v1/lives/${encodeURIComponent(liveId)}/chat${q ? `?${q}` : ''}`;
  }

  async function loadHistory() {
    try {
      const r = await get(`/api/v1/lives/${encodeURIComponent(liveId)}/chat?limit=50`);
      if (!closed) handlers.onHistory && handlers.onHistory(items(r));
    } catch (e) { console.warn('chat history', e); }
  }

  function connect() {
    if (closed) return;
    handlers.onState && handlers.onState('connecting');
    let opened = false;
    try { ws = new WebSocket(url()); } catch { retry(false); return; }
    const resuming = lastSeq > 0;
    ws.onopen = async () => {
      opened = true; openedOnce = true; attempt = 0;
      handlers.onState && handlers.onState('open');
      if (!resuming) await loadHistory(); // a resume gets the missed frames, or resume_gap
    };
    ws.onmessage = (ev) => {
      let f;
      try { f = JSON.parse(ev.data); } catch { return; }
      if (!f || typeof f !== 'object') return;
      if (f.type === 'resume_gap') { lastSeq = f.seq || 0; loadHistory(); return; }
      if (f.type === 'resumed') { lastSeq = Math.max(lastSeq, f.seq || 0); return; }
      if (Number.isInteger(f.seq)) {
        if (f.seq <= lastSeq) return; // already shown
        lastSeq = f.seq;
      }
      handlers.onFrame && handlers.onFrame(f);
    };
    ws.onclose = () => {
      ws = null;
      if (closed) return;
      handlers.onState && handlers.onState('closed');
      retry(opened);
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  async function retry(wasOpen) {
    // A refused handshake with a token is most likely an expired access token: rotate it first.
    if (!wasOpen && accessToken() && attempt <= 1) { try { await refreshTokens(); } catch { /* ignore */ } }
    const delay = Math.min(500 * 2 ** attempt, 15000) * (0.75 + Math.random() * 0.5);
    attempt++;
    clearTimeout(timer);
    timer = setTimeout(connect, delay);
  }

  connect();
  return {
    send(text, extra = {}) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify({ type: 'chat', text, ...(extra.question ? { question: true } : {}) }));
      return true;
    },
    sendJSON(obj) { // another room message (hearts.js)
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(obj));
      return true;
    },
    isOpen: () => !!ws && ws.readyState === WebSocket.OPEN,
    everOpened: () => openedOnce,
    reconnect() { if (ws) ws.close(); else { clearTimeout(timer); connect(); } },
    close() { closed = true; clearTimeout(timer); if (ws) { ws.onclose = null; ws.close(); ws = null; } },
  };
}

/* ---------- chat list ---------- */
// One chat message: the seller's stands out; badges "seller" / "moderator" (moderation), the
// "질문" tag of a question, and a "⋯" button the list shows to moderators only (CSS).
export function chatMessage(f, onMenu) {
  const user = f.user || {};
  const seller = !!f.is_seller || f.badge === 'seller';
  const mod = f.badge === 'moderator';
  const el = h('div', { class: 'chat-msg' + (seller ? ' is-seller' : '') + (mod ? ' is-mod' : '') + (f.question ? ' is-question' : ''), dataset: { id: f.id != null ? String(f.id) : '' } },
    seller ? h('span', { class: 'chat-badge' }, t('live.seller')) : null,
    mod ? h('span', { class: 'chat-badge badge-mod' }, t('mod.moderator')) : null,
    f.question ? h('span', { class: 'chat-q' }, t('mod.question')) : null,
    h('span', { class: 'chat-name' }, user.name || '—'),
    h('span', { class: 'chat-text' }, f.text == null ? '' : String(f.text)),
    f.sent_at ? h('time', { class: 'chat-time', datetime: f.sent_at }, time(f.sent_at)) : null);
  if (onMenu && f.id != null && !seller) {
    el.appendChild(h('button', { type: 'button', class: 'chat-more', 'aria-label': t('mod.menu'), onclick: (e) => { e.stopPropagation(); onMenu(f, el); } }, '⋯'));
  }
  return el;
}

// A scrolling chat list that dedupes by id, keeps the last 200 messages and sticks to the bottom.
export function createChatList({ onMenu } = {}) {
  const el = h('div', { class: 'chat-list', id: 'chat-list', 'aria-live': 'polite', role: 'log' });
  const empty = h('div', { class: 'chat-empty' }, t('live.chatEmpty'));
  el.appendChild(empty);
  const seen = new Set();
  const nearBottom = () => el.scrollHeight - el.scrollTop - el.clientHeight < 60;
  const trim = () => { const msgs = el.querySelectorAll('.chat-msg'); for (let i = 0; i < msgs.length - 200; i++) msgs[i].remove(); };
  const stick = (was) => { if (was) el.scrollTop = el.scrollHeight; };
  return {
    el,
    add(f) {
      if (f.id != null) { if (seen.has(String(f.id))) return; seen.add(String(f.id)); }
      const was = nearBottom();
      empty.remove();
      el.appendChild(chatMessage(f, onMenu));
      trim(); stick(was);
    },
    history(list) {
      const frag = document.createDocumentFragment();
      for (const f of list) {
        if (f.id != null) { if (seen.has(String(f.id))) continue; seen.add(String(f.id)); }
        frag.appendChild(chatMessage(f, onMenu));
      }
      if (!frag.childNodes.length) return;
      empty.remove();
      el.insertBefore(frag, el.querySelector('.chat-msg'));
      trim(); el.scrollTop = el.scrollHeight;
    },
    // moderation: a deleted message disappears (and is not shown again by a later history load)
    remove(id) {
      seen.add(String(id));
      el.querySelectorAll('.chat-msg').forEach((m) => { if (m.dataset.id === String(id)) m.remove(); });
    },
    // moderation: shows the "⋯" menu buttons (the seller, admins and moderators)
    setModerator(on) { el.classList.toggle('can-moderate', !!on); },
  };
}

/* ---------- pinned product card ---------- */
// The unit price a buyer pays when ordering from this live: the seller's live-only price while
// the offer is active (live.live_offer), else the catalog price. The server applies the same rule.
export function livePrice(product) {
  const o = product?.live_offer;
  return o && o.active && o.live_price ? o.live_price : product.price;
}

export function pinnedCard(product, onBuy) {
  if (!product) return h('div', { class: 'pinned-card empty', id: 'pinned-card', hidden: true });
  const soldOut = product.status === 'SOLD_OUT' || product.stock === 0;
  const unit = livePrice(product);
  return h('div', { class: 'pinned-card', id: 'pinned-card', dataset: { productId: String(product.id) } },
    productImage(product, 'pinned-img'),
    h('div', { class: 'pinned-info' },
      h('div', { class: 'pinned-name' }, product.name),
      h('div', { class: 'pinned-price', id: 'pinned-price' }, price(unit),
        unit !== product.price ? h('s', { class: 'pinned-was', id: 'pinned-was' }, price(product.price)) : null),
      soldOut ? null : h('div', { class: 'pinned-left', id: 'pinned-left' }, t('live.left', { n: product.stock }))),
    h('button', { class: 'btn btn-buy', id: 'buy-pinned', disabled: soldOut, onclick: () => onBuy(product) },
      soldOut ? t('status.SOLD_OUT') : t('live.buy')));
}

export function viewersBadge(n) {
  return h('span', { class: 'badge badge-viewers', id: 'viewer-count', title: t('live.viewers', { n }) }, icon('eye', 13), String(n ?? 0));
}

export function setViewers(el, n) { mount(el, icon('eye', 13), String(n ?? 0)); el.title = t('live.viewers', { n }); }
