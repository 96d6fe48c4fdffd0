// my page: delete my account (회원 탈퇴). A warning, the password (an account made with social
// sign-in only has none: it confirms with the checkbox alone), then signed out and sent home.
import { h, mount as put } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { api, clearSession } from '../api.js';
import { navigate } from '../app.js';
import { toast } from './ui.js';

addStrings({
  ko: { 'mpd.title': '회원 탈퇴', 'mpd.warn': '탈퇴하면 계정 정보(이메일, 이름, 전화번호, 배송지, 소셜 로그인 연결)가 바로 지워지고 되돌릴 수 없습니다. '
      + '주문 기록은 전자상거래법에 따라 보관되며, 배송지는 보관 기간이 지나면 지워집니다. 진행 중인 주문이나 판매가 있으면 탈퇴할 수 없습니다.',
    'mpd.password': '비밀번호 확인', 'mpd.passwordHint': '소셜 로그인만 쓰는 계정은 비워 두세요', 'mpd.confirm': '위 내용을 확인했으며 탈퇴합니다',
    'mpd.submit': '회원 탈퇴', 'mpd.mustConfirm': '안내를 확인하고 체크해 주세요', 'mpd.done': '탈퇴가 완료되었습니다. 그동안 이용해 주셔서 감사합니다.' },
  en: { 'mpd.title': 'Delete account', 'mpd.warn': 'Deleting your account erases its details (e-mail, name, phone, addresses, social sign-in links) at once; '
      + 'this cannot be undone. Order records are kept as the law requires, their shipping addresses are erased after the retention period. '
      + 'An account with orders or sales in progress cannot be deleted yet.',
    'mpd.password': 'Confirm your password', 'mpd.passwordHint': 'Leave empty for an account that only uses social sign-in',
    'mpd.confirm': 'I have read this and want to delete my account', 'mpd.submit': 'Delete account',
    'mpd.mustConfirm': 'Please read the notice and tick the box', 'mpd.done': 'Your account has been deleted. Thank you for shopping with us.' },
});

export function mount(el) {
  const pw = h('input', { id: 'mp-delete-password', type: 'password', autocomplete: 'current-password' });
  const ok = h('input', { id: 'mp-delete-confirm', type: 'checkbox' });
  const err = h('div', { class: 'form-error', id: 'mp-delete-error', role: 'alert', hidden: true });
  const show = (text) => { err.textContent = text; err.hidden = false; };
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    if (!ok.checked) { show(t('mpd.mustConfirm')); return; }
    try {
      await api('DELETE', '/api/v1/me', pw.value ? { password: pw.value } : { confirm: 'DELETE' });
    } catch (ex) { show(errorText(ex)); return; }
    clearSession(); // every token of the account is already revoked
    toast(t('mpd.done'));
    navigate('/');
  } },
  h('p', { class: 'muted small', id: 'mp-delete-warning' }, t('mpd.warn')),
  h('label', { class: 'field' }, h('span', null, t('mpd.password')), pw, h('small', { class: 'muted' }, t('mpd.passwordHint'))),
  h('label', { class: 'check' }, ok, ' ', t('mpd.confirm')),
  err, h('button', { class: 'btn btn-danger', type: 'submit', id: 'mp-delete-submit' }, t('mpd.submit')));
  put(el, h('h2', null, t('mpd.title')), form);
}
