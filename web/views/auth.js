// #/login and #/signup.
import { h, mount } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { login, signup } from '../api.js';
import { navigate } from '../app.js';

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
  const next = nextPath(ctx);
  const q = next !== '/' ? `?next=${encodeURIComponent(next)}` : '';

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
      if (isSignup) await signup(name.value.trim(), email.value.trim(), password.value);
      else await login(email.value.trim(), password.value);
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
    err, submit,
    h('p', { class: 'center muted small' },
      isSignup ? t('auth.haveAccount') : t('auth.noAccount'), ' ',
      h('a', { href: isSignup ? `#/login${q}` : `#/signup${q}` }, isSignup ? t('auth.login') : t('auth.signup'))));

  const demo = !isSignup ? h('details', { class: 'demo-box muted small' }, h('summary', null, t('auth.demo')),
    h('div', null, 'buyer@broadcart.local / buyer1234'), h('div', null, 'seller@broadcart.local / seller1234')) : null;
  mount(ctx.el, h('div', { class: 'auth-page' }, form, demo));
  (isSignup ? name : email).focus();
}
