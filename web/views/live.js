// The live page: full-height vertical player, chat (overlaid on phones, beside on desktop),
// viewer count, status states, pinned product card with a buy button.
import { h, mount, icon } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime, price } from '../format.js';
import { get, currentUser, ApiError, refreshTokens } from '../api.js';
import { parseHash } from '../app.js';
import { spinner, errorState, emptyState, toast, productImage } from './ui.js';
import { createPlayer, connectChat, createChatList, pinnedCard, viewersBadge, setViewers, livePrice } from './livekit.js';
import { openBuySheet } from './buy.js';
import { buildReplayPage, hasReplay } from './replay.js';
import { notifyButton } from './calendar.js';
import { canModerate, openMessageMenu, noticeBar, roomState, questionList, openModerationPanel } from './moderation.js';
import { createHearts } from './hearts.js';
import { couponChip } from './coupons.js';

export async function render(ctx) {
  const id = ctx.params.id;
  mount(ctx.el, h('div', { class: 'live-page' }, spinner()));
  let live;
  try {
    live = await get(`/api/v1/lives/${encodeURIComponent(id)}`);
  } catch (e) {
    if (!ctx.alive()) return;
    if (e instanceof ApiError && e.status === 404) mount(ctx.el, emptyState(t('live.notFound'), h('a', { class: 'btn', href: '#/' }, t('home.goHome'))));
    else mount(ctx.el, errorState(e, () => render(ctx)));
    return;
  }
  if (!ctx.alive()) return;
  if (hasReplay(live)) buildReplayPage(ctx, live); // replays: an ended live plays its recording
  else buildLivePage(ctx, live);
}

export function buildLivePage(ctx, live, { studio = false } = {}) {
  const id = live.id;
  const video = h('video', { id: 'player', muted: true, autoplay: true, playsinline: true, 'webkit-playsinline': '', preload: 'auto' });
  video.muted = true; video.defaultMuted = true;
  const stateEl = h('div', { class: 'stage-state', id: 'live-state' });
  const statusBadge = h('span', { class: 'badge', id: 'live-status' });
  const viewers = viewersBadge(live.viewer_count ?? 0);
  const unmute = h('button', { class: 'pill', id: 'unmute', hidden: true, onclick: () => { video.muted = false; unmute.hidden = true; video.play().catch(() => {}); } }, icon('mute', 15), t('live.unmute'));
  const pinnedSlot = h('div', { class: 'pinned-slot', id: 'pinned' });
  const chat = createChatList({ onMenu: (f, el) => openMessageMenu(id, f, el) });
  // moderation: the notice, the room's state, questions, the tools of moderators
  let isMod = false;
  const notice = noticeBar(live.notice);
  const roomLine = roomState();
  const questions = questionList(id, { moderator: () => isMod });
  const modBtn = h('button', { type: 'button', class: 'pill', id: 'mod-open', hidden: true, onclick: () => openModerationPanel(id) }, t('mod.title'));
  const tools = h('div', { class: 'chat-tools' }, questions.button, modBtn);
  let status = live.status;
  let pinned = live.pinned_product || null;
  const products = live.products || [];

  // the sheet shows what this live charges (the live-only price while its offer is active); while
  // the live is LIVE a viewer's sheet holds the chosen quantity (POST /api/v1/holds)
  const buy = (p) => openBuySheet({ ...p, price: livePrice(p) }, { liveId: id, hold: status === 'LIVE' && !studio });

  const player = createPlayer(video, {
    onPlaying: () => { stateEl.hidden = true; unmute.hidden = !video.muted; },
    onWaiting: () => { if (status === 'LIVE') showState('waiting'); },
  });

  function showState(kind) {
    stateEl.hidden = false;
    stateEl.className = `stage-state state-${kind}`;
    if (kind === 'upcoming') {
      mount(stateEl, h('div', { class: 'state-title' }, t('live.upcoming')),
        h('div', { class: 'state-sub', id: 'live-scheduled' }, t('live.startsAt', { time: dateTime(live.scheduled_at) })),
        studio ? null : notifyButton(live)); // schedules: "notify me" (calendar.js)
    } else if (kind === 'missed') {
      mount(stateEl, h('div', { class: 'state-title', id: 'live-missed' }, t('live.missed')),
        h('a', { class: 'pill', href: '#/calendar' }, t('nav.calendar')));
    } else if (kind === 'ended') {
      mount(stateEl, h('div', { class: 'state-title', id: 'live-ended' }, t('live.ended')),
        h('a', { class: 'pill', href: '#/' }, t('home.goHome')));
    } else {
      mount(stateEl, h('span', { class: 'spinner light' }), h('div', { class: 'state-sub' }, t('live.waiting')));
    }
  }

  function applyStatus(s) {
    status = s;
    ctx.el.querySelector('.live-page')?.setAttribute('data-status', s);
    statusBadge.className = 'badge ' + (s === 'LIVE' ? 'badge-live' : s === 'ENDED' ? 'badge-ended' : 'badge-upcoming');
    statusBadge.textContent = t(`status.${s}`);
    viewers.hidden = s !== 'LIVE';
    if (s === 'LIVE') { showState('waiting'); player.load(live.hls_url || `/hls/${id}/index.m3u8`); }
    else if (s === 'ENDED') { player.stop(); showState('ended'); if (!studio) toReplay(); }
    else if (s === 'MISSED') { player.stop(); showState('missed'); }
    else { player.stop(); showState('upcoming'); }
  }

  // replays: when the live ends, the page becomes its replay page (no reload) once it has one
  let replaying = false;
  function toReplay() {
    get(`/api/v1/lives/${encodeURIComponent(id)}`).then((l) => {
      if (replaying || !ctx.alive() || status !== 'ENDED' || !hasReplay(l)) return;
      replaying = true;
      teardown();
      buildReplayPage(ctx, l);
    }).catch(() => {});
  }

  function applyPin(p) {
    pinned = p || null;
    mount(pinnedSlot, pinnedCard(pinned, buy));
    if (pinned) {
      pinnedSlot.firstChild.classList.add('flash');
      // keep the product list in sync with fresher stock/price
      const i = products.findIndex((x) => x.id === pinned.id);
      if (i >= 0) products[i] = pinned;
    }
    if (studioHooks.onPin) studioHooks.onPin(pinned);
  }

  // "N left": a stock frame updates the pinned card and the product list in place
  function applyStock(f) {
    const i = products.findIndex((x) => x.id === f.product_id);
    if (i >= 0) products[i] = { ...products[i], stock: f.stock, status: f.status };
    if (pinned && pinned.id === f.product_id) {
      pinned = { ...pinned, stock: f.stock, status: f.status };
      mount(pinnedSlot, pinnedCard(pinned, buy));
    }
  }

  // chat input
  const user = currentUser();
  const input = h('input', { id: 'chat-input', type: 'text', maxlength: 300, placeholder: t('live.chatPlaceholder'), autocomplete: 'off', enterkeyhint: 'send' });
  const send = h('button', { id: 'chat-send', class: 'btn btn-primary', type: 'submit' }, t('live.send'));
  const connEl = h('div', { class: 'chat-conn', hidden: true }, t('live.reconnecting'));
  const back = encodeURIComponent(parseHash().path);
  const qMark = h('button', { type: 'button', class: 'q-mark', id: 'chat-question', 'aria-pressed': 'false', title: t('mod.askHint'),
    onclick: () => qMark.setAttribute('aria-pressed', qMark.getAttribute('aria-pressed') === 'true' ? 'false' : 'true') }, t('mod.question'));
  const form = user
    ? h('form', { class: 'chat-form', onsubmit: (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      const question = qMark.getAttribute('aria-pressed') === 'true';
      if (sock.send(text, { question })) { input.value = ''; qMark.setAttribute('aria-pressed', 'false'); }
      else toast(t('live.reconnecting'), 'error');
    } }, qMark, input, send)
    : h('a', { class: 'chat-login', id: 'chat-login', href: `#/login?next=${back}` }, t('live.loginToChat'));

  const hearts = createHearts((m) => !!sock && sock.sendJSON(m));
  const productsBtn = products.length && !studio
    ? h('button', { class: 'pill', id: 'live-products-btn', onclick: () => openProductList(products, buy) }, icon('bag', 15), String(products.length))
    : null;

  const page = h('div', { class: 'live-page' + (studio ? ' in-studio' : ''), 'data-status': status },
    h('div', { class: 'live-layout' },
      h('div', { class: 'live-stage' },
        video,
        h('div', { class: 'stage-shade top', 'aria-hidden': 'true' }),
        h('div', { class: 'stage-shade bottom', 'aria-hidden': 'true' }),
        h('div', { class: 'stage-top' },
          h('div', { class: 'stage-badges' }, statusBadge, viewers),
          h('div', { class: 'stage-title' },
            h('h1', { class: 'live-title' }, live.title),
            h('div', { class: 'live-seller' }, live.seller_id ? h('a', { href: `#/sellers/${live.seller_id}`, id: 'live-seller-link' }, live.seller_name || '') : live.seller_name || '')),
          h('div', { class: 'stage-actions' }, unmute, studio ? null : couponChip({ live_id: live.id }, 'pill'), productsBtn)),
        stateEl,
        hearts.el,
        pinnedSlot),
      h('aside', { class: 'live-side' },
        h('div', { class: 'side-head' }, h('strong', null, studio ? t('studio.chat') : live.title)),
        notice.el, roomLine.el, questions.panel, chat.el, connEl, tools, form)));
  mount(ctx.el, page);

  const studioHooks = {};
  applyStatus(status);
  applyPin(pinned);

  let sock = null;
  sock = connectChat(id, {
    onState: (s) => { connEl.hidden = s !== 'closed' || !(sock && sock.everOpened()); },
    onHistory: (list) => chat.history(list.filter((f) => !f.type || f.type === 'chat')),
    onFrame: (f) => {
      switch (f.type) {
        case 'chat': chat.add(f); if (f.question) questions.add(f); break;
        case 'chat_deleted': chat.remove(f.id); questions.remove(f.id); break;
        case 'notice': notice.set(f.text); break;
        case 'chat_settings': roomLine.set(f); break;
        case 'question_answered': questions.answered(f.id); break;
        case 'viewers': setViewers(viewers, f.count); break;
        case 'hearts': hearts.apply(f); break;
        case 'pin': applyPin(f.product); break;
        case 'stock': applyStock(f); break;
        case 'replay': if (status === 'ENDED' && !studio) toReplay(); break; // replays: it is being made
        case 'status':
          if (f.status && f.status !== status) {
            if (f.status === 'LIVE' && !live.hls_url) live.hls_url = `/hls/${id}/index.m3u8`;
            applyStatus(f.status);
          }
          break;
        case 'error':
          if (f.code === 'BANNED_FROM_LIVE') { sock.close(); form.replaceWith(h('div', { class: 'chat-login', id: 'chat-banned' }, t('mod.youAreBanned'))); }
          if (f.code === 'UNAUTHENTICATED' && currentUser()) {
            // the socket was opened with an expired token: rotate it and reconnect as the user
            refreshTokens().then((ok) => { if (ok) sock.reconnect(); });
          }
          toast(f.message || f.code || t('error.generic'), 'error');
          break;
        default: break;
      }
    },
  });

  // Fallback while not live: poll the live so a missed status frame cannot leave the page stale.
  const poll = setInterval(async () => {
    if (status === 'ENDED' || document.hidden) return;
    try {
      const l = await get(`/api/v1/lives/${encodeURIComponent(id)}`);
      if (!ctx.alive()) return;
      if (l.status !== status) { live.hls_url = l.hls_url || live.hls_url; applyStatus(l.status); }
      if (Number.isFinite(l.viewer_count) && status === 'LIVE') setViewers(viewers, l.viewer_count);
      if ((l.pinned_product?.id ?? null) !== (pinned?.id ?? null)) applyPin(l.pinned_product);
    } catch { /* offline: the socket reconnect covers it */ }
  }, 15000);

  canModerate(live).then((ok) => {
    if (!ctx.alive()) return;
    isMod = ok; chat.setModerator(ok); modBtn.hidden = !ok;
    if (ok) get(`/api/v1/lives/${encodeURIComponent(id)}/moderation`).then((st) => roomLine.set(st)).catch(() => {});
  });

  function teardown() { clearInterval(poll); sock.close(); player.stop(); hearts.close(); }
  ctx.onCleanup(teardown);
  return { page, applyPin, studioHooks, sock };
}

function openProductList(products, buy) {
  const close = () => overlay.remove();
  const overlay = h('div', { class: 'sheet-overlay', onclick: (e) => { if (e.target === overlay) close(); } },
    h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true' },
      h('div', { class: 'sheet-head' }, h('h2', null, t('live.products')), h('button', { class: 'icon-btn', onclick: close, 'aria-label': t('buy.close') }, '✕')),
      h('div', { class: 'sheet-body' },
        products.map((p) => h('div', { class: 'list-row' },
          productImage(p, 'row-img'),
          h('div', { class: 'grow' }, h('a', { href: `#/product/${p.id}`, class: 'name' }, p.name), h('div', { class: 'price' }, price(p.price))),
          h('button', { class: 'btn btn-small btn-primary', disabled: p.status === 'SOLD_OUT' || p.stock === 0, onclick: () => { close(); buy(p); } },
            p.status === 'SOLD_OUT' || p.stock === 0 ? t('status.SOLD_OUT') : t('live.buy')))))));
  document.body.appendChild(overlay);
  window.addEventListener('hashchange', close, { once: true });
}
