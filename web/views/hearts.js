// Hearts on the live page: a tap button that sends {"type":"heart","count"} at most every 250 ms
// (taps batched, at most 10 per message: the server's own limit is 20 hearts a second per viewer),
// a running total from the room's {"type":"hearts","total","recent"} frames, and floating hearts
// for one's own taps and for the room's recent ones (capped, so a burst never floods the DOM).
import { h } from '../dom.js';
import { t } from '../i18n.js';

const MAX_FLOATING = 24;

export function createHearts(send) {
  let pending = 0, timer = null, total = 0;
  const layer = h('div', { class: 'hearts-layer', 'aria-hidden': 'true' });
  const count = h('span', { class: 'hearts-count', id: 'hearts-total' }, '0');
  const button = h('button', {
    class: 'pill hearts-btn', id: 'heart-btn', type: 'button', 'aria-label': t('live.heart'),
    onclick: () => { pending++; float(1); schedule(); },
  }, '♥', count);

  function float(n) {
    for (let i = 0; i < Math.min(n, 6) && layer.childElementCount < MAX_FLOATING; i++) {
      const el = h('span', { class: 'heart-float', style: { left: `${10 + Math.random() * 60}%`, animationDelay: `${i * 80}ms` } }, '♥');
      el.addEventListener('animationend', () => el.remove());
      layer.appendChild(el);
    }
  }

  function schedule() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      const n = Math.min(pending, 10);
      if (n > 0 && send({ type: 'heart', count: n })) pending -= n;
      else pending = 0; // not connected: the taps are dropped
      if (pending > 0) schedule();
    }, 250);
  }

  function setTotal(n) {
    total = n;
    count.textContent = n >= 10000 ? `${(n / 1000).toFixed(1)}k` : String(n);
  }

  return {
    el: h('div', { class: 'hearts' }, layer, button),
    // a hearts frame: the total, and the others' recent taps floating up
    apply(f) {
      if (!Number.isFinite(f.total) || f.total < total) return;
      setTotal(f.total);
      if (f.recent > 0) float(Math.ceil(f.recent / 3));
    },
    total: () => total,
    close() { clearTimeout(timer); },
  };
}
