// Reviews: the product page's section (average stars, distribution bars, sort, list with photos,
// likes, the seller's reply and, for the product's seller, a reply box) and the sheet a buyer
// writes a review in (rating, text, up to 5 photos uploaded with uploadImage) from my orders.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { dateTime } from '../format.js';
import { get, post, patch, del, uploadImage, currentUser, qs } from '../api.js';
import { requireLogin } from '../app.js';
import { toast, spinner } from './ui.js';

addStrings({
  ko: {
    'rev.title': '리뷰', 'rev.count': '리뷰 {n}개', 'rev.none': '아직 리뷰가 없습니다', 'rev.sort.newest': '최신순',
    'rev.sort.likes': '좋아요순', 'rev.sort.rating': '별점 높은순', 'rev.sort.rating_low': '별점 낮은순',
    'rev.like': '도움돼요', 'rev.reply': '판매자 답글', 'rev.replyPlaceholder': '리뷰에 답글을 남겨 주세요',
    'rev.replySend': '답글 등록', 'rev.replyEdit': '답글 수정', 'rev.replied': '답글을 저장했습니다',
    'rev.write': '리뷰 쓰기', 'rev.rating': '별점', 'rev.text': '내용', 'rev.textPlaceholder': '상품은 어떠셨나요? (2,000자까지)',
    'rev.photos': '사진 (5장까지)', 'rev.submit': '리뷰 등록', 'rev.saved': '리뷰를 등록했습니다', 'rev.close': '닫기',
    'rev.tooMany': '사진은 5장까지 올릴 수 있습니다', 'rev.needRating': '별점을 골라 주세요', 'rev.more': '더 보기',
    'rev.delete': '삭제', 'rev.deleteConfirm': '리뷰를 삭제할까요?', 'rev.deleted': '리뷰를 삭제했습니다',
    'rev.stars': '별 {n}개', 'rev.written': '리뷰 작성 완료',
  },
  en: {
    'rev.title': 'Reviews', 'rev.count': '{n} reviews', 'rev.none': 'No reviews yet', 'rev.sort.newest': 'Newest',
    'rev.sort.likes': 'Most liked', 'rev.sort.rating': 'Highest rating', 'rev.sort.rating_low': 'Lowest rating',
    'rev.like': 'Helpful', 'rev.reply': "Seller's reply", 'rev.replyPlaceholder': 'Reply to this review',
    'rev.replySend': 'Post reply', 'rev.replyEdit': 'Edit reply', 'rev.replied': 'Reply saved',
    'rev.write': 'Write a review', 'rev.rating': 'Rating', 'rev.text': 'Review', 'rev.textPlaceholder': 'How was it? (up to 2,000 characters)',
    'rev.photos': 'Photos (up to 5)', 'rev.submit': 'Post review', 'rev.saved': 'Your review is posted', 'rev.close': 'Close',
    'rev.tooMany': 'At most 5 photos', 'rev.needRating': 'Choose a rating', 'rev.more': 'More',
    'rev.delete': 'Delete', 'rev.deleteConfirm': 'Delete this review?', 'rev.deleted': 'Review deleted',
    'rev.stars': '{n} stars', 'rev.written': 'Reviewed',
  },
});

const PER_PAGE = 10;

// "★★★★☆" for a rating (rounded to the nearest star).
export function stars(n) {
  const k = Math.max(0, Math.min(5, Math.round(Number(n) || 0)));
  return h('span', { class: 'stars', 'aria-label': t('rev.stars', { n: k }) }, '★'.repeat(k), h('span', { class: 'stars-off' }, '☆'.repeat(5 - k)));
}

function summaryView(s) {
  const max = Math.max(1, ...[1, 2, 3, 4, 5].map((k) => s.distribution[k] || 0));
  return h('div', { class: 'review-summary', id: 'review-summary' },
    h('div', { class: 'review-avg' }, h('strong', { id: 'review-average' }, (s.average || 0).toFixed(1)), stars(s.average),
      h('span', { class: 'muted small', id: 'review-count', dataset: { count: String(s.count) } }, t('rev.count', { n: s.count }))),
    h('ul', { class: 'review-dist' }, [5, 4, 3, 2, 1].map((k) => h('li', { id: `review-dist-${k}`, dataset: { n: String(s.distribution[k] || 0) } },
      h('span', { class: 'small' }, `${k}★`),
      h('span', { class: 'bar' }, h('span', { class: 'fill', style: { width: `${Math.round(((s.distribution[k] || 0) * 100) / max)}%` } })),
      h('span', { class: 'muted small' }, String(s.distribution[k] || 0))))));
}

// One review; sellerBox: the product's seller is looking (reply box).
function reviewItem(r, sellerBox, reload) {
  const me = currentUser();
  let liked = !!r.liked, likes = r.likes;
  const likeBtn = h('button', { type: 'button', class: 'btn btn-small btn-ghost review-like', id: `review-like-${r.id}`, 'aria-pressed': liked ? 'true' : 'false' });
  const showLike = () => { likeBtn.textContent = `👍 ${t('rev.like')} ${likes}`; likeBtn.setAttribute('aria-pressed', liked ? 'true' : 'false'); likeBtn.classList.toggle('on', liked); };
  showLike();
  likeBtn.addEventListener('click', async () => {
    if (!currentUser()) { requireLogin(); return; }
    try {
      const x = liked ? await del(`/api/v1/reviews/${r.id}/like`) : await post(`/api/v1/reviews/${r.id}/like`);
      liked = x.liked; likes = x.likes; showLike();
    } catch (e) { toast(errorText(e), 'error'); }
  });
  const own = me && me.id === r.author.id;
  let replyEl = null;
  if (sellerBox) {
    const box = h('textarea', { id: `review-reply-text-${r.id}`, rows: 2, maxlength: 1000, placeholder: t('rev.replyPlaceholder') }, r.reply ? r.reply.text : '');
    replyEl = h('form', { class: 'review-reply-form', id: `review-reply-${r.id}`, onsubmit: async (e) => {
      e.preventDefault();
      try {
        if (r.reply) await patch(`/api/v1/reviews/${r.id}/reply`, { text: box.value.trim() });
        else await post(`/api/v1/reviews/${r.id}/reply`, { text: box.value.trim() });
        toast(t('rev.replied'), 'success');
        reload();
      } catch (ex) { toast(errorText(ex), 'error'); }
    } }, box, h('button', { class: 'btn btn-small', type: 'submit', id: `review-reply-send-${r.id}` }, r.reply ? t('rev.replyEdit') : t('rev.replySend')));
  }
  return h('li', { class: 'review', id: `review-${r.id}`, dataset: { rating: String(r.rating) } },
    h('div', { class: 'row between' }, h('span', null, stars(r.rating), ' ', h('strong', { class: 'small' }, r.author.name)),
      h('span', { class: 'muted small' }, dateTime(r.created_at))),
    r.text ? h('p', { class: 'pre review-text' }, r.text) : null,
    r.photos.length ? h('div', { class: 'review-photos' }, r.photos.map((u) => h('a', { href: u, target: '_blank', rel: 'noopener' }, h('img', { src: u, alt: '', loading: 'lazy', class: 'review-photo' })))) : null,
    h('div', { class: 'row' }, own ? h('span', { class: 'muted small' }, `👍 ${likes}`) : likeBtn,
      own ? h('button', { type: 'button', class: 'btn btn-small btn-ghost', id: `review-delete-${r.id}`, onclick: async () => {
        if (!confirm(t('rev.deleteConfirm'))) return;
        try { await del(`/api/v1/reviews/${r.id}`); toast(t('rev.deleted'), 'success'); reload(); } catch (e) { toast(errorText(e), 'error'); }
      } }, t('rev.delete')) : null),
    r.reply ? h('div', { class: 'review-reply', id: `review-reply-view-${r.id}` }, h('strong', { class: 'small' }, t('rev.reply')), ' ',
      h('span', { class: 'muted small' }, dateTime(r.reply.updated_at)), h('p', { class: 'pre' }, r.reply.text)) : null,
    replyEl);
}

// The reviews section of product p ({id, seller_id}).
export function reviewsSection(p) {
  const el = h('section', { class: 'reviews card card-pad', id: 'reviews' });
  let sort = 'newest', page = 1, shown = [];
  const sortEl = h('select', { id: 'review-sort', 'aria-label': t('rev.title'), onchange: () => { sort = sortEl.value; page = 1; shown = []; load(); } },
    ['newest', 'likes', 'rating', 'rating_low'].map((s) => h('option', { value: s }, t(`rev.sort.${s}`))));
  const head = h('div', { class: 'row between' }, h('h2', null, t('rev.title')), sortEl);
  const body = h('div');
  mount(el, head, body);
  const me = currentUser();
  const sellerBox = !!me && me.id === p.seller_id;
  const load = async () => {
    if (page === 1) mount(body, spinner());
    try {
      const r = await get(`/api/v1/products/${encodeURIComponent(p.id)}/reviews` + qs({ sort, page, per_page: PER_PAGE }));
      shown = shown.concat(r.items);
      const reload = () => { page = 1; shown = []; load(); };
      mount(body, summaryView(r.summary),
        shown.length ? h('ul', { class: 'review-list', id: 'review-list' }, shown.map((x) => reviewItem(x, sellerBox, reload)))
          : h('p', { class: 'muted', id: 'review-empty' }, t('rev.none')),
        r.total > shown.length ? h('button', { class: 'btn btn-ghost', id: 'review-more', onclick: () => { page++; load(); } }, t('rev.more')) : null);
    } catch (e) { mount(body, h('p', { class: 'form-error' }, errorText(e))); }
  };
  load();
  return el;
}

// The sheet where a buyer reviews order line line ({line_id, product_name}); onDone after posting.
export function openReviewSheet(line, onDone) {
  let rating = 0;
  const starBtns = [1, 2, 3, 4, 5].map((k) => h('button', { type: 'button', class: 'star-pick', id: `review-rating-${k}`, 'aria-label': t('rev.stars', { n: k }), onclick: () => { rating = k; paint(); } }, '☆'));
  const paint = () => starBtns.forEach((b, i) => { b.textContent = i < rating ? '★' : '☆'; b.classList.toggle('on', i < rating); b.setAttribute('aria-pressed', i < rating ? 'true' : 'false'); });
  const text = h('textarea', { id: 'review-text', rows: 5, maxlength: 2000, placeholder: t('rev.textPlaceholder') });
  const files = h('input', { id: 'review-photos', type: 'file', multiple: true, accept: 'image/png,image/jpeg,image/webp' });
  const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn btn-primary', type: 'submit', id: 'review-submit' }, t('rev.submit'));
  const close = () => overlay.remove();
  const form = h('form', { class: 'sheet-body', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    const chosen = [...(files.files || [])];
    if (!rating) { err.textContent = t('rev.needRating'); err.hidden = false; return; }
    if (chosen.length > 5) { err.textContent = t('rev.tooMany'); err.hidden = false; return; }
    submit.disabled = true;
    try {
      const photos = [];
      for (const f of chosen) photos.push((await uploadImage(f)).url);
      const body = { rating, photos };
      if (text.value.trim()) body.text = text.value.trim();
      const r = await post(`/api/v1/order-lines/${encodeURIComponent(line.line_id)}/review`, body);
      toast(t('rev.saved'), 'success');
      close();
      if (onDone) onDone(r);
    } catch (ex) { err.textContent = errorText(ex); err.hidden = false; submit.disabled = false; }
  } },
  h('p', { class: 'muted' }, line.product_name || ''),
  h('div', { class: 'field' }, h('span', null, t('rev.rating')), h('div', { class: 'star-picker', role: 'group' }, starBtns)),
  h('label', { class: 'field' }, h('span', null, t('rev.text')), text),
  h('label', { class: 'field' }, h('span', null, t('rev.photos')), files),
  err, submit);
  const overlay = h('div', { class: 'sheet-overlay', onclick: (e) => { if (e.target === overlay) close(); } },
    h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('rev.write'), id: 'review-sheet' },
      h('div', { class: 'sheet-head' }, h('h2', null, t('rev.write')), h('button', { type: 'button', class: 'btn-ghost', id: 'review-close', 'aria-label': t('rev.close'), onclick: close }, '✕')),
      form));
  document.body.appendChild(overlay);
  paint();
  return overlay;
}
