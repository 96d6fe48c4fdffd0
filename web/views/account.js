// #/verify, #/find-id, #/reset, #/reset/confirm: e-mail verification and account recovery.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { post, items } from '../api.js';

addStrings({
  ko: {
    'acc.verifyTitle': '이메일 인증', 'acc.verifying': '인증하는 중…', 'acc.verified': '이메일이 인증되었습니다.',
    'acc.findTitle': '아이디 찾기', 'acc.name': '이름', 'acc.phone': '휴대폰 번호', 'acc.find': '찾기',
    'acc.found': '가입된 아이디', 'acc.none': '일치하는 계정이 없습니다.', 'acc.resetTitle': '비밀번호 재설정',
    'acc.email': '이메일', 'acc.send': '재설정 링크 보내기',
    'acc.sent': '가입된 이메일이라면 재설정 링크를 보냈습니다. 30분 안에 메일의 링크를 열어 주세요.',
    'acc.newPassword': '새 비밀번호', 'acc.save': '비밀번호 바꾸기', 'acc.resetDone': '비밀번호를 바꿨습니다. 새 비밀번호로 로그인하세요.',
    'acc.toLogin': '로그인', 'acc.noToken': '링크에 토큰이 없습니다.',
  },
  en: {
    'acc.verifyTitle': 'Verify e-mail', 'acc.verifying': 'Verifying…', 'acc.verified': 'Your e-mail address is verified.',
    'acc.findTitle': 'Find my ID', 'acc.name': 'Name', 'acc.phone': 'Phone', 'acc.find': 'Find',
    'acc.found': 'Your IDs', 'acc.none': 'No account matches.', 'acc.resetTitle': 'Reset password',
    'acc.email': 'E-mail', 'acc.send': 'Send reset link',
    'acc.sent': 'If an account uses this e-mail, we sent it a reset link. Open it within 30 minutes.',
    'acc.newPassword': 'New password', 'acc.save': 'Change password', 'acc.resetDone': 'Password changed. Sign in with the new one.',
    'acc.toLogin': 'Sign in', 'acc.noToken': 'The link has no token.',
  },
});

function page(title, ...kids) {
  return h('div', { class: 'auth-page' }, h('div', { class: 'auth-form card card-pad' }, h('h1', null, title), ...kids));
}
const errBox = () => h('div', { class: 'form-error', id: 'account-error', role: 'alert', hidden: true });
function showErr(el, ex) { el.textContent = errorText(ex); el.hidden = false; }

async function verify(ctx) {
  const msg = h('p', { id: 'verify-status' }, t('acc.verifying'));
  const err = errBox();
  mount(ctx.el, page(t('acc.verifyTitle'), msg, err));
  const token = ctx.query.get('token');
  if (!token) { msg.textContent = t('acc.noToken'); return; }
  try {
    await post('/api/v1/auth/verify', { token });
    msg.textContent = t('acc.verified');
  } catch (ex) { msg.textContent = ''; showErr(err, ex); }
}

function findId(ctx) {
  const name = h('input', { id: 'find-name', required: true, maxlength: 60, autocomplete: 'name' });
  const phone = h('input', { id: 'find-phone', type: 'tel', required: true, maxlength: 20, autocomplete: 'tel' });
  const out = h('div', { id: 'find-result' });
  const err = errBox();
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    try {
      const list = items(await post('/api/v1/auth/find-id', { name: name.value.trim(), phone: phone.value.trim() }));
      mount(out, list.length ? h('div', null, h('p', { class: 'muted' }, t('acc.found')),
        h('ul', null, ...list.map((it) => h('li', null, it.email)))) : h('p', { class: 'muted' }, t('acc.none')));
    } catch (ex) { showErr(err, ex); }
  } },
  h('label', { class: 'field' }, h('span', null, t('acc.name')), name),
  h('label', { class: 'field' }, h('span', null, t('acc.phone')), phone),
  err, h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'find-submit' }, t('acc.find')));
  mount(ctx.el, page(t('acc.findTitle'), form, out, h('p', { class: 'center small' }, h('a', { href: '#/login' }, t('acc.toLogin')))));
}

function reset(ctx) {
  const email = h('input', { id: 'reset-email', type: 'email', required: true, autocomplete: 'email' });
  const err = errBox();
  const done = h('p', { id: 'reset-sent', role: 'status', hidden: true }, t('acc.sent'));
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    try {
      await post('/api/v1/auth/password/reset-request', { email: email.value.trim() });
      done.hidden = false;
    } catch (ex) { showErr(err, ex); }
  } },
  h('label', { class: 'field' }, h('span', null, t('acc.email')), email),
  err, h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'reset-submit' }, t('acc.send')));
  mount(ctx.el, page(t('acc.resetTitle'), form, done));
}

function resetConfirm(ctx) {
  const token = ctx.query.get('token') || '';
  const password = h('input', { id: 'reset-password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
  const err = errBox();
  const done = h('p', { id: 'reset-done', role: 'status', hidden: true }, t('acc.resetDone'), ' ', h('a', { href: '#/login', id: 'reset-login' }, t('acc.toLogin')));
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'reset-confirm-submit' }, t('acc.save'));
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    submit.disabled = true;
    try {
      await post('/api/v1/auth/password/reset', { token, password: password.value });
      form.hidden = true;
      done.hidden = false;
    } catch (ex) { showErr(err, ex); submit.disabled = false; }
  } },
  h('label', { class: 'field' }, h('span', null, t('acc.newPassword')), password,
    h('small', { class: 'muted' }, t('auth.pwHint'))), err, submit);
  mount(ctx.el, page(t('acc.resetTitle'), form, done));
}

const views = { verify, findId, reset, resetConfirm };
export function render(ctx) { return (views[ctx.name] || reset)(ctx); }
