// my page: my reviews (rating, text, photos, the seller's reply) and the delivered items still to
// review, each with a "write review" button.
import { h, mount as put } from '../dom.js';
import { t, addStrings } from '../i18n.js';
import { dateTime } from '../format.js';
import { get } from '../api.js';
import { stars, openReviewSheet } from './reviews.js';

addStrings({
  ko: { 'mprev.title': '내 리뷰', 'mprev.todo': '리뷰를 기다리는 상품', 'mprev.none': '작성한 리뷰가 없습니다', 'mprev.hidden': '숨김 처리됨' },
  en: { 'mprev.title': 'My reviews', 'mprev.todo': 'Items waiting for your review', 'mprev.none': 'You have not written a review yet', 'mprev.hidden': 'Hidden' },
});

export async function mount(el) {
  const [mine, todo] = await Promise.all([get('/api/v1/me/reviews?per_page=20'), get('/api/v1/me/reviewable')]);
  const reload = () => mount(el);
  put(el, h('h2', null, t('mprev.title')),
    (todo.items || []).length ? h('div', { id: 'mp-reviewable' }, h('h3', null, t('mprev.todo')),
      h('ul', { class: 'lines' }, todo.items.map((l) => h('li', { class: 'line', id: `mp-reviewable-${l.line_id}` },
        h('a', { class: 'grow', href: `#/product/${l.product_id}` }, l.product_name),
        h('button', { class: 'btn btn-small btn-primary', id: `mp-review-line-${l.line_id}`, onclick: () => openReviewSheet(l, reload) }, t('rev.write')))))) : null,
    (mine.items || []).length ? h('ul', { class: 'review-list', id: 'mp-review-list' }, mine.items.map((r) => h('li', { class: 'review', id: `mp-review-${r.id}` },
      h('div', { class: 'row between' }, h('a', { href: `#/product/${r.product_id}` }, r.product_name), h('span', { class: 'muted small' }, dateTime(r.created_at))),
      h('div', null, stars(r.rating), r.hidden ? h('span', { class: 'badge status-canceled' }, t('mprev.hidden')) : null),
      r.text ? h('p', { class: 'pre' }, r.text) : null,
      r.photos.length ? h('div', { class: 'review-photos' }, r.photos.map((u) => h('img', { src: u, alt: '', class: 'review-photo', loading: 'lazy' }))) : null,
      r.reply ? h('div', { class: 'review-reply' }, h('strong', { class: 'small' }, t('rev.reply')), h('p', { class: 'pre' }, r.reply.text)) : null)))
      : h('p', { class: 'muted' }, t('mprev.none')));
}
