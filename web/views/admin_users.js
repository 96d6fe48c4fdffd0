// #/admin/users: the admin console's user list: search by e-mail or name, filter by role and
// state, change a role, block with a reason (the user is told it) or unblock. Deleted accounts are
// listed as such and cannot be changed.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, patch, qs, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { dateTime } from '../format.js';
import { spinner, emptyState, toast } from './ui.js';
import { adminNav } from './admin.js';

addStrings({
  ko: { 'adu.title': '회원 관리', 'adu.search': '이메일 또는 이름 검색', 'adu.find': '검색', 'adu.allRoles': '모든 역할', 'adu.allStates': '모든 상태',
    'adu.active': '정상', 'adu.blocked': '이용 제한', 'adu.deleted': '탈퇴', 'adu.block': '이용 제한', 'adu.unblock': '제한 해제',
    'adu.reason': '제한 사유 (회원에게 안내됩니다)', 'adu.confirmBlock': '제한하기', 'adu.cancel': '취소', 'adu.needReason': '제한 사유를 입력해 주세요',
    'adu.blockedAt': '제한일', 'adu.saved': '저장했습니다', 'adu.none': '찾는 회원이 없습니다', 'adu.prev': '이전', 'adu.next': '다음',
    'adu.total': '총 {n}명', 'adu.role.buyer': '구매자', 'adu.role.seller': '판매자', 'adu.role.admin': '관리자', 'adu.you': '나', 'adu.roleLabel': '역할' },
  en: { 'adu.title': 'Users', 'adu.search': 'Search by e-mail or name', 'adu.find': 'Search', 'adu.allRoles': 'All roles', 'adu.allStates': 'All states',
    'adu.active': 'Active', 'adu.blocked': 'Blocked', 'adu.deleted': 'Deleted', 'adu.block': 'Block', 'adu.unblock': 'Unblock',
    'adu.reason': 'Reason for blocking (the user is told)', 'adu.confirmBlock': 'Block', 'adu.cancel': 'Cancel', 'adu.needReason': 'Enter the reason for blocking',
    'adu.blockedAt': 'Blocked on', 'adu.saved': 'Saved', 'adu.none': 'No users found', 'adu.prev': 'Previous', 'adu.next': 'Next',
    'adu.total': '{n} users', 'adu.role.buyer': 'Buyer', 'adu.role.seller': 'Seller', 'adu.role.admin': 'Admin', 'adu.you': 'you', 'adu.roleLabel': 'Role' },
});

const ROLES = ['buyer', 'seller', 'admin'];

function row(u, me, reload) {
  const deleted = !!u.deleted_at;
  const self = u.id === me.id;
  const save = async (body) => {
    try { await patch(`/api/v1/admin/users/${u.id}`, body); toast(t('adu.saved')); reload(); } catch (ex) { toast(errorText(ex), 'error'); }
  };
  const role = h('select', { class: 'adu-role', 'aria-label': t('adu.roleLabel'), disabled: deleted || self, onchange: () => save({ role: role.value }) },
    ROLES.map((r) => h('option', { value: r, selected: r === u.role }, t(`adu.role.${r}`))));
  // block: an inline form asking for the reason
  const reason = h('textarea', { class: 'adu-reason', rows: 2, maxlength: 500, placeholder: t('adu.reason'), 'aria-label': t('adu.reason') });
  const err = h('div', { class: 'form-error small', role: 'alert', hidden: true });
  const blockForm = h('form', { class: 'adu-block-form', hidden: true, onsubmit: (e) => {
    e.preventDefault();
    const text = reason.value.trim();
    if (!text) { err.textContent = t('adu.needReason'); err.hidden = false; return; }
    save({ blocked: true, blocked_reason: text });
  } }, reason, err,
  h('div', { class: 'adm-actions' },
    h('button', { class: 'btn btn-danger adu-block-confirm', type: 'submit' }, t('adu.confirmBlock')),
    h('button', { class: 'btn btn-ghost', type: 'button', onclick: () => { blockForm.hidden = true; } }, t('adu.cancel'))));
  let action = null;
  if (!deleted && !self) {
    action = u.blocked
      ? h('button', { class: 'btn adu-unblock', type: 'button', onclick: () => save({ blocked: false }) }, t('adu.unblock'))
      : h('button', { class: 'btn btn-danger adu-block', type: 'button', onclick: () => { blockForm.hidden = false; reason.focus(); } }, t('adu.block'));
  }
  const state = deleted ? 'deleted' : u.blocked ? 'blocked' : 'active';
  return h('li', { class: 'card card-pad adu-user', dataset: { id: String(u.id), state } },
    h('div', null, h('strong', null, u.name), self ? ` (${t('adu.you')})` : '', ' · ', h('span', { class: 'muted' }, u.email), ' · ',
      h('span', { class: `badge adu-state adu-${state}` }, t(`adu.${state}`))),
    u.blocked && !deleted && u.blocked_reason
      ? h('div', { class: 'small adu-blocked-reason' }, `${u.blocked_reason}${u.blocked_at ? ` · ${t('adu.blockedAt')} ${dateTime(u.blocked_at)}` : ''}`)
      : null,
    h('div', { class: 'adm-actions' }, role, action),
    blockForm);
}

export async function render(ctx) {
  const me = currentUser();
  if (!me) { requireLogin(); return; }
  if (me.role !== 'admin') { mount(ctx.el, emptyState(t('adm.only'))); return; }
  const q = h('input', { id: 'adu-q', type: 'search', placeholder: t('adu.search'), 'aria-label': t('adu.search'), maxlength: 100 });
  const role = h('select', { id: 'adu-role-filter', 'aria-label': t('adu.allRoles') },
    h('option', { value: '' }, t('adu.allRoles')), ROLES.map((r) => h('option', { value: r }, t(`adu.role.${r}`))));
  const blocked = h('select', { id: 'adu-state-filter', 'aria-label': t('adu.allStates') },
    h('option', { value: '' }, t('adu.allStates')), h('option', { value: 'false' }, t('adu.active')), h('option', { value: 'true' }, t('adu.blocked')));
  const list = h('div', { id: 'adu-results' });
  let page = 1;
  const load = async () => {
    mount(list, spinner());
    try {
      const r = await get(`/api/v1/admin/users${qs({ q: q.value.trim(), role: role.value, blocked: blocked.value, page, per_page: 20 })}`);
      const pages = Math.max(1, Math.ceil(r.total / r.per_page));
      mount(list,
        h('p', { class: 'muted small', id: 'adu-total' }, t('adu.total', { n: r.total })),
        r.items.length ? h('ul', { class: 'adm-list', id: 'adu-list' }, r.items.map((u) => row(u, me, load))) : emptyState(t('adu.none')),
        pages > 1 ? h('div', { class: 'adm-actions' },
          h('button', { class: 'btn btn-small', type: 'button', disabled: page <= 1, onclick: () => { page--; load(); } }, t('adu.prev')),
          ` ${page} / ${pages} `,
          h('button', { class: 'btn btn-small', type: 'button', disabled: page >= pages, onclick: () => { page++; load(); } }, t('adu.next'))) : null);
    } catch (ex) { mount(list, h('p', { class: 'form-error' }, errorText(ex))); }
  };
  const search = h('form', { class: 'adu-search', id: 'adu-search', onsubmit: (e) => { e.preventDefault(); page = 1; load(); } },
    q, role, blocked, h('button', { class: 'btn btn-primary', type: 'submit', id: 'adu-find' }, t('adu.find')));
  mount(ctx.el, h('div', { class: 'admin-page' }, adminNav('adminUsers'), h('h1', null, t('adu.title')), search, list));
  await load();
}
