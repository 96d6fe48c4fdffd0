// my page: the social sign-ins linked to the account: link one (through the provider, back to
// #/me?linked=...), unlink one (refused for the account's last way to sign in).
import { h, mount as put } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post, del } from '../api.js';
import { parseHash } from '../app.js';

addStrings({
  ko: { 'mpi.title': '연결된 계정', 'mpi.link': '연결하기', 'mpi.unlink': '연결 해제', 'mpi.linked': '연결됨',
    'mpi.none': '이 서버에서 사용할 수 있는 소셜 로그인이 없습니다.', 'mpi.done': '{provider} 계정을 연결했습니다.',
    'mpi.noPassword': '비밀번호가 없는 계정입니다. 마지막 연결은 해제할 수 없습니다.' },
  en: { 'mpi.title': 'Linked accounts', 'mpi.link': 'Link', 'mpi.unlink': 'Unlink', 'mpi.linked': 'Linked',
    'mpi.none': 'No social sign-in is set up on this server.', 'mpi.done': 'Your {provider} account is linked.',
    'mpi.noPassword': 'This account has no password: its last linked sign-in cannot be removed.' },
});

const LABEL = { kakao: 'Kakao', naver: 'Naver', google: 'Google' };

export async function mount(el) {
  const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const note = h('div', { class: 'muted small', role: 'status', hidden: true });
  const list = h('div', { id: 'mp-identity-list' });
  const { query } = parseHash();
  if (query.get('linked')) { note.textContent = t('mpi.done', { provider: LABEL[query.get('linked')] || '' }); note.hidden = false; }
  if (query.get('oauth_error')) { err.textContent = errorText({ code: query.get('oauth_error') }); err.hidden = false; }
  put(el, h('h2', null, t('mpi.title')), note, err, list);

  async function load() {
    const [prov, mine] = await Promise.all([get('/api/v1/auth/providers'), get('/api/v1/me/identities')]);
    const linked = new Map((mine.items || []).map((i) => [i.provider, i]));
    const rows = (prov.items || []).map((p) => {
      const id = linked.get(p.provider);
      const btn = id
        ? h('button', { class: 'btn btn-small', id: `mp-unlink-${p.provider}`, onclick: async () => {
          err.hidden = true;
          try { await del(`/api/v1/me/identities/${p.provider}`); await load(); } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
        } }, t('mpi.unlink'))
        : h('button', { class: `btn btn-small oauth-btn oauth-${p.provider}`, id: `mp-link-${p.provider}`, onclick: async () => {
          err.hidden = true;
          try { location.href = (await post(`/api/v1/me/identities/${p.provider}/start`)).url; } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
        } }, t('mpi.link'));
      return h('div', { class: 'mp-identity', 'data-provider': p.provider },
        h('div', null, h('strong', null, p.name), id ? h('div', { class: 'muted small' }, `${t('mpi.linked')}${id.email ? ` · ${id.email}` : ''}`) : null),
        btn);
    });
    put(list, ...(rows.length ? rows : [h('p', { class: 'muted' }, t('mpi.none'))]),
      !mine.has_password && linked.size ? h('p', { class: 'muted small' }, t('mpi.noPassword')) : null);
  }
  try { await load(); } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
}
