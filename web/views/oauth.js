// Social sign-in in the web client: the provider buttons of the login page (each provider's brand
// colours: Kakao yellow #FEE500, Naver green #03C75A, Google white), #/oauth/done (the callback's
// one-time ticket exchanged for tokens) and #/oauth/link (an existing account's password confirms
// the link). The server does the OAuth flow itself: the buttons are plain links to its start URLs.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post, setSession } from '../api.js';
import { navigate } from '../app.js';
import { spinner } from './ui.js';

addStrings({
  ko: { 'oauth.kakao': '카카오 로그인', 'oauth.naver': '네이버 로그인', 'oauth.google': 'Google 계정으로 로그인', 'oauth.or': '또는',
    'oauth.linkTitle': '이미 가입된 이메일입니다', 'oauth.linkText': '{email} 계정이 있습니다. 비밀번호를 한 번 입력하면 {provider} 로그인이 연결됩니다.',
    'oauth.linkSubmit': '연결하고 로그인', 'oauth.signingIn': '로그인하는 중…', 'oauth.again': '다시 로그인' },
  en: { 'oauth.kakao': 'Sign in with Kakao', 'oauth.naver': 'Sign in with Naver', 'oauth.google': 'Sign in with Google', 'oauth.or': 'or',
    'oauth.linkTitle': 'This e-mail already has an account', 'oauth.linkText': 'There is an account for {email}. Enter its password once to link {provider} sign-in.',
    'oauth.linkSubmit': 'Link and sign in', 'oauth.signingIn': 'Signing you in…', 'oauth.again': 'Sign in again' },
});

const LABEL = { kakao: 'Kakao', naver: 'Naver', google: 'Google' };

// The buttons of the providers set up on this server (none: nothing is shown). remember() says
// whether "keep me signed in" is ticked when a button is pressed; next is the path to return to.
export function providerButtons(next, remember) {
  const box = h('div', { class: 'oauth-buttons', id: 'oauth-buttons' });
  get('/api/v1/auth/providers').then((r) => {
    const items = (r && r.items) || [];
    if (!items.length) return;
    mount(box, h('div', { class: 'oauth-or muted small' }, t('oauth.or')),
      ...items.map((p) => h('a', {
        class: `btn btn-block oauth-btn oauth-${p.provider}`, id: `oauth-${p.provider}`, href: p.start_url,
        onclick: (e) => {
          e.preventDefault();
          const q = new URLSearchParams({ remember: remember() ? 'true' : 'false' });
          if (next && next !== '/') q.set('next', next);
          location.href = `${p.start_url}?${q}`;
        },
      }, h('span', { class: 'oauth-mark', 'aria-hidden': 'true' }, p.provider === 'naver' ? 'N' : p.provider === 'kakao' ? '●' : 'G'),
      t(`oauth.${p.provider}`))));
  }).catch(() => { /* no buttons: password login still works */ });
  return box;
}

function safeNext(n) { return n && n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/oauth') ? n : '/'; }

export async function render(ctx) {
  if (ctx.name === 'oauthLink') return renderLink(ctx);
  // #/oauth/done?ticket=...&remember=0&next=...
  const ticket = ctx.query.get('ticket');
  const remember = ctx.query.get('remember') !== '0';
  const next = safeNext(ctx.query.get('next'));
  const box = h('div', { class: 'card card-pad center', id: 'oauth-done' }, spinner(t('oauth.signingIn')));
  mount(ctx.el, h('div', { class: 'auth-page' }, box));
  history.replaceState(null, '', '#/oauth/done'); // the ticket leaves the address bar and history
  try {
    const body = await post('/api/v1/auth/oauth/exchange', { ticket: ticket || '' });
    setSession(body, remember);
    navigate(next, { replace: true });
  } catch (ex) {
    mount(box, h('p', { class: 'form-error', role: 'alert', id: 'oauth-error' }, errorText(ex)),
      h('a', { class: 'btn', href: '#/login' }, t('oauth.again')));
  }
}

function renderLink(ctx) {
  const link = ctx.query.get('link') || '';
  const provider = LABEL[ctx.query.get('provider')] || '';
  const email = ctx.query.get('email') || '';
  history.replaceState(null, '', '#/oauth/link');
  const password = h('input', { id: 'oauth-link-password', type: 'password', required: true, autocomplete: 'current-password' });
  const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'oauth-link-submit' }, t('oauth.linkSubmit'));
  const form = h('form', { class: 'auth-form card card-pad', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    submit.disabled = true;
    try {
      setSession(await post('/api/v1/auth/oauth/link', { link, password: password.value }), true);
      navigate('/', { replace: true });
    } catch (ex) {
      err.textContent = errorText(ex);
      err.hidden = false;
      submit.disabled = false;
    }
  } },
  h('h1', null, t('oauth.linkTitle')),
  h('p', { class: 'muted' }, t('oauth.linkText', { email, provider })),
  h('label', { class: 'field' }, h('span', null, t('auth.password')), password),
  err, submit,
  h('p', { class: 'center muted small' }, h('a', { href: '#/reset' }, t('rec.reset'))));
  mount(ctx.el, h('div', { class: 'auth-page' }, form));
  password.focus();
}
