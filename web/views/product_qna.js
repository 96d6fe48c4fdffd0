// The product page's Q&A: the list (a secret question shows "비밀글입니다" to everyone but its
// author, the product's seller and admins), the ask form with a "비밀글" checkbox, and, when the
// viewer is the product's seller, an answer box under each question. Also the "1:1 문의" link.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { dateTime } from '../format.js';
import { get, post, qs, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { spinner, toast } from './ui.js';

addStrings({
  ko: { 'qna.title': '상품 Q&A', 'qna.placeholder': '상품에 대해 궁금한 점을 남겨 주세요', 'qna.secret': '비밀글', 'qna.ask': '문의 등록',
    'qna.asked': '문의를 등록했습니다', 'qna.none': '아직 문의가 없습니다', 'qna.answered': '답변 완료', 'qna.waiting': '답변 대기',
    'qna.answer': '판매자 답변', 'qna.answerPlaceholder': '답변을 입력하세요', 'qna.answerSend': '답변 등록', 'qna.answerSaved': '답변을 등록했습니다',
    'qna.login': '로그인하고 문의하기', 'qna.inquiry': '1:1 문의하기', 'qna.more': '더 보기', 'qna.mine': '내 문의' },
  en: { 'qna.title': 'Q&A', 'qna.placeholder': 'Ask the seller about this product', 'qna.secret': 'Secret', 'qna.ask': 'Ask',
    'qna.asked': 'Your question was posted', 'qna.none': 'No questions yet', 'qna.answered': 'Answered', 'qna.waiting': 'Waiting',
    'qna.answer': "Seller's answer", 'qna.answerPlaceholder': 'Write an answer', 'qna.answerSend': 'Answer', 'qna.answerSaved': 'Answer saved',
    'qna.login': 'Sign in to ask', 'qna.inquiry': 'Ask the seller (1:1)', 'qna.more': 'More', 'qna.mine': 'Mine' },
});

// One question; canAnswer: the viewer is the product's seller.
export function questionItem(q, { canAnswer, onAnswered, showProduct } = {}) {
  const answerBox = () => {
    const input = h('textarea', { class: 'qna-answer-input', rows: 2, maxlength: 1000, placeholder: t('qna.answerPlaceholder'), 'aria-label': t('qna.answerPlaceholder') });
    input.value = q.answer || '';
    const btn = h('button', { class: 'btn btn-small qna-answer-submit', type: 'button', onclick: async () => {
      const text = input.value.trim();
      if (!text) return;
      btn.disabled = true;
      try {
        const r = await post(`/api/v1/questions/${q.id}/answer`, { answer: text });
        toast(t('qna.answerSaved'), 'success');
        if (onAnswered) onAnswered(r);
      } catch (ex) { toast(errorText(ex), 'error'); } finally { btn.disabled = false; }
    } }, t('qna.answerSend'));
    return h('div', { class: 'qna-answer-form' }, input, btn);
  };
  return h('li', { class: 'qna-item card card-pad', dataset: { id: String(q.id), secret: String(q.secret), answered: String(q.answered) } },
    h('div', { class: 'row muted small' },
      h('span', { class: `badge ${q.answered ? 'status-delivered' : 'status-pending_payment'}` }, t(q.answered ? 'qna.answered' : 'qna.waiting')),
      q.secret ? h('span', { class: 'badge qna-secret-badge' }, `🔒 ${t('qna.secret')}`) : null,
      showProduct && q.product_name ? h('a', { href: `#/product/${q.product_id}` }, q.product_name) : null,
      h('span', null, q.author_name), q.mine ? h('span', null, `· ${t('qna.mine')}`) : null, h('span', null, dateTime(q.created_at))),
    h('p', { class: 'qna-body pre' }, q.body),
    q.answer ? h('div', { class: 'qna-answer' }, h('strong', null, t('qna.answer')), h('p', { class: 'qna-answer-text pre' }, q.answer)) : null,
    canAnswer && q.readable ? answerBox() : null);
}

export function qnaSection(p) {
  const me = currentUser();
  const isSeller = !!me && me.id === p.seller_id;
  const list = h('ul', { class: 'qna-list', id: 'qna-list' });
  const moreSlot = h('div');
  let page = 1;
  const load = async (reset) => {
    if (reset) { page = 1; mount(list, spinner()); }
    try {
      const r = await get(`/api/v1/products/${p.id}/questions${qs({ page, per_page: 10 })}`);
      if (reset) mount(list);
      if (!r.items.length && page === 1) { mount(list, h('li', { class: 'muted small', id: 'qna-empty' }, t('qna.none'))); }
      for (const q of r.items) list.appendChild(questionItem(q, { canAnswer: isSeller, onAnswered: () => load(true) }));
      mount(moreSlot, page * 10 < r.total ? h('button', { class: 'btn-ghost', type: 'button', id: 'qna-more', onclick: () => { page++; load(false); } }, t('qna.more')) : null);
    } catch (ex) { mount(list, h('li', { class: 'form-error' }, errorText(ex))); }
  };
  let form;
  if (!me) {
    form = h('button', { class: 'btn', type: 'button', id: 'qna-login', onclick: () => requireLogin() }, t('qna.login'));
  } else if (!isSeller) {
    const body = h('textarea', { id: 'qna-body', rows: 3, maxlength: 1000, placeholder: t('qna.placeholder'), 'aria-label': t('qna.placeholder') });
    const secret = h('input', { type: 'checkbox', id: 'qna-secret' });
    const err = h('div', { class: 'form-error', role: 'alert', id: 'qna-error', hidden: true });
    form = h('form', { class: 'qna-form', id: 'qna-form', onsubmit: async (e) => {
      e.preventDefault();
      const text = body.value.trim();
      if (!text) return;
      err.hidden = true;
      try {
        await post(`/api/v1/products/${p.id}/questions`, { body: text, secret: secret.checked });
        body.value = ''; secret.checked = false;
        toast(t('qna.asked'), 'success');
        load(true);
      } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
    } }, body,
    h('div', { class: 'row between' },
      h('label', { class: 'check' }, secret, ' ', t('qna.secret')),
      h('button', { class: 'btn btn-primary', type: 'submit', id: 'qna-submit' }, t('qna.ask'))), err);
  }
  const section = h('section', { class: 'qna', id: 'product-qna' },
    h('div', { class: 'row between' }, h('h2', null, t('qna.title')),
      me && !isSeller ? h('a', { class: 'btn-ghost small', id: 'product-inquiry', href: `#/inquiries/new${qs({ product: p.id })}` }, t('qna.inquiry')) : null),
    form, list, moreSlot);
  load(true);
  return section;
}
