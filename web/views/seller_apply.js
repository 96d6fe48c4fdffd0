// #/seller/apply: a buyer applies to sell (shop, 사업자등록번호, representative, contact, settlement
// account) and sees the latest application's status and, when rejected, the reason.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post, currentUser, refreshTokens } from '../api.js';
import { requireLogin } from '../app.js';
import { spinner } from './ui.js';

addStrings({
  ko: {
    'sa.title': '판매자 신청', 'sa.shop': '상점 이름', 'sa.bn': '사업자등록번호', 'sa.bnHint': '숫자 10자리 (예: 123-45-67891)',
    'sa.rep': '대표자', 'sa.phone': '연락처', 'sa.email': '연락 이메일', 'sa.bank': '정산 은행', 'sa.account': '계좌번호',
    'sa.holder': '예금주', 'sa.submit': '신청하기', 'sa.status': '신청 상태', 'sa.PENDING': '심사 중', 'sa.APPROVED': '승인됨',
    'sa.REJECTED': '반려됨', 'sa.WITHDRAWN': '철회됨', 'sa.reason': '반려 사유', 'sa.studio': '스튜디오로 가기',
    'sa.again': '다시 신청하기', 'sa.sealed': '사업자 정보와 계좌는 암호화되어 저장됩니다.',
  },
  en: {
    'sa.title': 'Become a seller', 'sa.shop': 'Shop name', 'sa.bn': 'Business registration number', 'sa.bnHint': '10 digits (e.g. 123-45-67891)',
    'sa.rep': 'Representative', 'sa.phone': 'Contact phone', 'sa.email': 'Contact e-mail', 'sa.bank': 'Settlement bank', 'sa.account': 'Account number',
    'sa.holder': 'Account holder', 'sa.submit': 'Apply', 'sa.status': 'Application status', 'sa.PENDING': 'In review', 'sa.APPROVED': 'Approved',
    'sa.REJECTED': 'Rejected', 'sa.WITHDRAWN': 'Withdrawn', 'sa.reason': 'Reason', 'sa.studio': 'Go to the studio',
    'sa.again': 'Apply again', 'sa.sealed': 'Business facts and the bank account are stored encrypted.',
  },
});

// The caller's latest application, or null.
export async function latestApplication() {
  try { return await get('/api/v1/me/seller-application'); } catch (e) { if (e.status === 404) return null; throw e; }
}

// A status card for application a (with the reason when rejected).
export function statusCard(a) {
  return h('div', { class: 'sa-status', id: 'sa-status', dataset: { status: a.status } },
    h('strong', null, t('sa.status'), ': '), h('span', { id: 'sa-status-text' }, t(`sa.${a.status}`)), ' · ', a.shop_name,
    a.status === 'REJECTED' && a.reason ? h('p', { class: 'muted small' }, t('sa.reason'), ': ', a.reason) : null);
}

function form(el, done) {
  const err = h('div', { class: 'form-error', role: 'alert', hidden: true, id: 'sa-error' });
  const f = (name, label, attrs = {}, hint) => {
    const input = h('input', { name, id: `sa-${name}`, required: true, ...attrs });
    return [input, h('label', { class: 'field' }, h('span', null, label), input, hint ? h('small', { class: 'muted' }, hint) : null)];
  };
  const fields = [
    f('shop_name', t('sa.shop'), { maxlength: 60 }),
    f('business_number', t('sa.bn'), { inputmode: 'numeric', maxlength: 12, autocomplete: 'off' }, t('sa.bnHint')),
    f('representative', t('sa.rep'), { maxlength: 40 }),
    f('contact_phone', t('sa.phone'), { inputmode: 'tel', maxlength: 20, autocomplete: 'tel' }),
    f('contact_email', t('sa.email'), { type: 'email', maxlength: 254, autocomplete: 'email' }),
    f('bank_name', t('sa.bank'), { maxlength: 40 }),
    f('bank_account', t('sa.account'), { inputmode: 'numeric', maxlength: 30, autocomplete: 'off' }),
    f('account_holder', t('sa.holder'), { maxlength: 40 }),
  ];
  const submit = h('button', { class: 'btn btn-primary btn-block', id: 'sa-submit', type: 'submit' }, t('sa.submit'));
  return h('form', { class: 'auth-form card card-pad', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    const body = Object.fromEntries(fields.map(([input]) => [input.name, input.value.trim()]));
    submit.disabled = true;
    try { done(await post('/api/v1/seller-applications', body)); } catch (ex) {
      err.textContent = errorText(ex); err.hidden = false; submit.disabled = false;
    }
  } }, h('h1', null, t('sa.title')), ...fields.map(([, label]) => label), h('p', { class: 'muted small' }, t('sa.sealed')), err, submit);
}

export async function render(ctx) {
  if (!currentUser()) { requireLogin(); return; }
  mount(ctx.el, spinner());
  const show = async (a) => {
    if (a && a.status === 'APPROVED' && currentUser().role === 'buyer') {
      try { await refreshTokens(); } catch { /* the next refresh carries the role */ }
    }
    const parts = [];
    if (a) parts.push(h('div', { class: 'card card-pad' }, statusCard(a),
      a.status === 'APPROVED' ? h('p', null, h('a', { class: 'btn', href: '#/studio', id: 'sa-studio' }, t('sa.studio'))) : null));
    if (!a || a.status === 'REJECTED' || a.status === 'WITHDRAWN') parts.push(form(ctx.el, show));
    mount(ctx.el, h('div', { class: 'auth-page' }, ...parts));
  };
  try { await show(await latestApplication()); } catch (ex) { mount(ctx.el, h('p', { class: 'form-error' }, errorText(ex))); }
}
