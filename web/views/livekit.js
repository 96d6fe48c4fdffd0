// Building blocks shared by the live page and the studio: HLS player, chat socket, chat rendering, pinned card.
import { h, mount, icon } from '../dom.js';
import { t } from '../i18n.js';
import { price, time } from '../format.js';
import { accessToken, refreshTokens, get, items } from '../api.js';
import { productImage } from './ui.js';

/* ---------- player ---------- */
// Plays an HLS URL in the <video>: hls.js where MSE exists, native HLS (Safari/iOS) otherwise.
// Retries with backoff while the playlist is not there yet (the publisher just started).
export function createPlayer(video, { onPlaying, onWaiting } = {}) {
  let hls = null, url = null, timer = null, attempt = 0, stopped = true;

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
    if (hls) { try { hls.destroy(); } catch { /* ignore */ } hls = null; }
  }

  function start() {
    teardown();
    if (stopped || !url) return;
    onWaiting && onWaiting();
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      hls = new Hls({ liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 6, manifestLoadingMaxRetry: 2, enableWorker: true, lowLatencyMode: false, backBufferLength: 30 });
      hls.on(Hls.Events.MANIFEST_PARSED, tryPlay);
      hls.on(Hls.Events.ERROR, (_e, data) => {
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
      url = u; stopped = false; attempt = 0; start();
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
    send(text) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify({ type: 'chat', text }));
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
export function chatMessage(f) {
  const user = f.user || {};
  const seller = !!f.is_seller;
  return h('div', { class: 'chat-msg' + (seller ? ' is-seller' : ''), dataset: { id: f.id != null ? String(f.id) : '' } },
    seller ? h('span', { class: 'chat-badge' }, t('live.seller')) : null,
    h('span', { class: 'chat-name' }, user.name || '—'),
    h('span', { class: 'chat-text' }, f.text == null ? '' : String(f.text)),
    f.sent_at ? h('time', { class: 'chat-time', datetime: f.sent_at }, time(f.sent_at)) : null);
}

// A scrolling chat list that dedupes by id, keeps the last 200 messages and sticks to the bottom.
export function createChatList() {
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
      el.appendChild(chatMessage(f));
      trim(); stick(was);
    },
    history(list) {
      const frag = document.createDocumentFragment();
      for (const f of list) {
        if (f.id != null) { if (seen.has(String(f.id))) continue; seen.add(String(f.id)); }
        frag.appendChild(chatMessage(f));
      }
      if (!frag.childNodes.length) return;
      empty.remove();
      el.insertBefore(frag, el.querySelector('.chat-msg'));
      trim(); el.scrollTop = el.scrollHeight;
    },
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
