// my page: profile (name, e-mail, verified state with "send the link again").
import { h, mount as put } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post } from '../api.js';

addStrings({
  ko: { 'mpp.title': '내 정보', 'mpp.name': '이름', 'mpp.email': '이메일', 'mpp.verified': '인증됨', 'mpp.unverified': '인증 전',
    'mpp.resend': '인증 메일 다시 보내기', 'mpp.resent': '인증 메일을 보냈습니다.' },
  en: { 'mpp.title': 'Profile', 'mpp.name': 'Name', 'mpp.email': 'E-mail', 'mpp.verified': 'verified', 'mpp.unverified': 'not verified',
    'mpp.resend': 'Send the verification mail again', 'mpp.resent': 'Verification mail sent.' },
});

export async function mount(el, user) {
  let me = user;
  try { me = await get('/api/v1/me'); } catch { /* keep what we have */ }
  const msg = h('div', { class: 'muted small', id: 'mp-profile-msg', role: 'status' });
  const resend = me.email_verified === false ? h('button', { class: 'btn', type: 'button', id: 'mp-resend', onclick: async () => {
    try { await post('/api/v1/auth/verify/send', {}); msg.textContent = t('mpp.resent'); } catch (ex) { msg.textContent = errorText(ex); }
  } }, t('mpp.resend')) : null;
  put(el, h('section', { class: 'card card-pad', id: 'mp-profile' }, h('h2', null, t('mpp.title')),
    h('p', null, h('span', { class: 'muted' }, t('mpp.name')), ' ', me.name || ''),
    h('p', null, h('span', { class: 'muted' }, t('mpp.email')), ' ', me.email || '', ' ',
      h('span', { id: 'mp-verified', class: 'small' }, me.email_verified === false ? t('mpp.unverified') : t('mpp.verified'))),
    resend, msg));
}
