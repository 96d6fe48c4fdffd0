// #/login and #/signup.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { login, signup } from '../api.js';
import { navigate } from '../app.js';
import { providerButtons } from './oauth.js';

addStrings({
  ko: { 'rec.remember': '로그인 상태 유지', 'rec.phone': '휴대폰 번호 (선택, 아이디 찾기용)', 'rec.findId': '아이디 찾기',
    'rec.reset': '비밀번호 재설정', 'rec.verifySent': '가입을 환영합니다! 이메일로 보낸 인증 링크를 열어 주세요. 인증 전에는 주문할 수 없습니다.' },
  en: { 'rec.remember': 'Keep me signed in', 'rec.phone': 'Phone (optional, to find your ID)', 'rec.findId': 'Find my ID',
    'rec.reset': 'Reset password', 'rec.verifySent': 'Welcome! Open the verification link we e-mailed you. You cannot order before verifying.' },
});

function nextPath(ctx) {
  const n = ctx.query.get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/login') && !n.startsWith('/signup') ? n : '/';
}

export async function render(ctx) {
  const isSignup = ctx.name === 'signup';
  const err = h('div', { class: 'form-error', id: 'auth-error', role: 'alert', hidden: true });
  const name = h('input', { id: 'signup-name', name: 'name', required: true, maxlength: 60, autocomplete: 'name' });
  const email = h('input', { id: isSignup ? 'signup-email' : 'login-email', name: 'email', type: 'email', required: true, autocomplete: 'email' });
  const password = h('input', { id: isSignup ? 'signup-password' : 'login-password', name: 'password', type: 'password', required: true, minlength: isSignup ? 8 : null, autocomplete: isSignup ? 'new-password' : 'current-password' });
  const submit = h('button', { class: 'btn btn-primary btn-block', id: isSignup ? 'signup-submit' : 'login-submit', type: 'submit' }, isSignup ? t('auth.signup') : t('auth.login'));
  const phone = h('input', { id: 'signup-phone', name: 'phone', type: 'tel', maxlength: 20, autocomplete: 'tel' });
  const remember = h('input', { id: isSignup ? 'signup-remember' : 'login-remember', type: 'checkbox', checked: true });
  const next = nextPath(ctx);
  const q = next !== '/' ? `?next=${encodeURIComponent(next)}` : '';

  // a social sign-in that failed comes back here with ?oauth_error=CODE
  const oauthError = ctx.query.get('oauth_error');
  if (oauthError) { err.textContent = errorText({ code: oauthError }); err.hidden = false; }
  const form = h('form', { class: 'auth-form card card-pad', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    if (!email.value.trim() || !password.value || (isSignup && !name.value.trim())) {
      err.textContent = isSignup ? t('auth.INVALID_EMAIL') : t('auth.INVALID_CREDENTIALS');
      err.hidden = false;
      return;
    }
    submit.disabled = true;
    try {
      if (isSignup) {
        await signup(name.value.trim(), email.value.trim(), password.value, { phone: phone.value.trim(), remember: remember.checked });
        mount(ctx.el, h('div', { class: 'auth-page' }, h('div', { class: 'card card-pad', id: 'verify-notice', role: 'status' },
          h('p', null, t('rec.verifySent')), h('a', { class: 'btn btn-primary', href: `#${next}` }, 'OK'))));
        return;
      }
      await login(email.value.trim(), password.value, remember.checked);
      navigate(next, { replace: true });
    } catch (ex) {
      err.textContent = errorText(ex, 'auth.');
      err.hidden = false;
      submit.disabled = false;
    }
  } },
    h('h1', null, isSignup ? t('auth.signup') : t('auth.login')),
    isSignup ? h('label', { class: 'field' }, h('span', null, t('auth.name')), name) : null,
    h('label', { class: 'field' }, h('span', null, t('auth.email')), email),
    h('label', { class: 'field' }, h('span', null, t('auth.password')), password,
      isSignup ? h('small', { class: 'muted' }, t('auth.pwHint')) : null),
    isSignup ? h('label', { class: 'field' }, h('span', null, t('rec.phone')), phone) : null,
    h('label', { class: 'small' }, remember, ' ', t('rec.remember')),
    err, submit,
    providerButtons(next, () => remember.checked),
    !isSignup ? h('p', { class: 'center muted small' }, h('a', { href: '#/find-id', id: 'link-find-id' }, t('rec.findId')), ' · ',
      h('a', { href: '#/reset', id: 'link-reset' }, t('rec.reset'))) : null,
    h('p', { class: 'center muted small' },
      isSignup ? t('auth.haveAccount') : t('auth.noAccount'), ' ',
      h('a', { href: isSignup ? `#/login${q}` : `#/signup${q}` }, isSignup ? t('auth.login') : t('auth.signup'))));

  const demo = !isSignup ? h('details', { class: 'demo-box muted small' }, h('summary', null, t('auth.demo')),
    h('div', null, 'buyer@broadcart.local / buyer1234'), h('div', null, 'seller@broadcart.local / seller1234')) : null;
  mount(ctx.el, h('div', { class: 'auth-page' }, form, demo));
  (isSignup ? name : email).focus();
}
