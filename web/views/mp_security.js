// my page: change password (needs the current one; other sessions are signed out).
import { h, mount as put } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { post, refreshToken } from '../api.js';

addStrings({
  ko: { 'mps.title': '비밀번호 변경', 'mps.current': '현재 비밀번호', 'mps.next': '새 비밀번호', 'mps.save': '변경',
    'mps.done': '비밀번호를 바꿨습니다. 다른 기기에서는 로그아웃됩니다.' },
  en: { 'mps.title': 'Change password', 'mps.current': 'Current password', 'mps.next': 'New password', 'mps.save': 'Change',
    'mps.done': 'Password changed. Your other devices are signed out.' },
});

export function mount(el) {
  const cur = h('input', { id: 'mp-current-password', type: 'password', required: true, autocomplete: 'current-password' });
  const next = h('input', { id: 'mp-new-password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
  const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const ok = h('div', { class: 'muted small', role: 'status', hidden: true }, t('mps.done'));
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true; ok.hidden = true;
    const body = { current_password: cur.value, new_password: next.value };
    const rt = refreshToken();
    if (rt) body.refresh_token = rt;
    try { await post('/api/v1/me/password', body); ok.hidden = false; cur.value = ''; next.value = ''; } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
  } },
  h('label', { class: 'field' }, h('span', null, t('mps.current')), cur),
  h('label', { class: 'field' }, h('span', null, t('mps.next')), next, h('small', { class: 'muted' }, t('auth.pwHint'))),
  err, ok, h('button', { class: 'btn btn-primary', type: 'submit', id: 'mp-password-submit' }, t('mps.save')));
  put(el, h('section', { class: 'card card-pad', id: 'mp-security' }, h('h2', null, t('mps.title')), form));
}
