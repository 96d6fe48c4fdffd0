// #/admin/sellers: the admin console's seller applications: pending ones first, each with its
// facts, approve, or reject with a reason (sent to the applicant).
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { spinner, emptyState, toast } from './ui.js';
import './seller_apply.js'; // its strings (status names, field labels)

addStrings({
  ko: { 'adm.navSellers': '판매자 신청', 'adm.navUsers': '회원 관리', 'adm.navInquiries': '1:1 문의', 'adm.navNotices': '공지사항', 'adm.navAudit': '감사 로그', 'adm.title': '판매자 신청 관리', 'adm.approve': '승인', 'adm.reject': '반려', 'adm.reason': '반려 사유',
    'adm.none': '대기 중인 신청이 없습니다', 'adm.only': '관리자만 볼 수 있습니다', 'adm.approved': '승인했습니다', 'adm.rejected': '반려했습니다' },
  en: { 'adm.navSellers': 'Seller applications', 'adm.navUsers': 'Users', 'adm.navInquiries': 'Inquiries', 'adm.navNotices': 'Notices', 'adm.navAudit': 'Audit log', 'adm.title': 'Seller applications', 'adm.approve': 'Approve', 'adm.reject': 'Reject', 'adm.reason': 'Reason for rejecting',
    'adm.none': 'No applications waiting', 'adm.only': 'Admins only', 'adm.approved': 'Approved', 'adm.rejected': 'Rejected' },
});

// The admin console's pages, the current one (a route name) marked.
export function adminNav(active) {
  const link = (href, key, name) => h('a', { href, class: active === name ? 'btn btn-small active' : 'btn btn-small btn-ghost', id: `adm-nav-${name}` }, t(key));
  return h('nav', { class: 'adm-nav', 'aria-label': 'admin' },
    link('#/admin/sellers', 'adm.navSellers', 'adminSellers'), ' ', link('#/admin/users', 'adm.navUsers', 'adminUsers'),
    ' ', link('#/admin/inquiries', 'adm.navInquiries', 'adminInquiries'), ' ', link('#/admin/notices', 'adm.navNotices', 'adminNotices'),
    ' ', link('#/admin/audit', 'adm.navAudit', 'adminAudit'));
}

function row(a, reload) {
  const reason = h('input', { class: 'adm-reason', placeholder: t('adm.reason'), maxlength: 200, 'aria-label': t('adm.reason') });
  const act = async (what) => {
    try {
      if (what === 'approve') await post(`/api/v1/admin/seller-applications/${a.id}/approve`, {});
      else await post(`/api/v1/admin/seller-applications/${a.id}/reject`, { reason: reason.value.trim() });
      toast(t(what === 'approve' ? 'adm.approved' : 'adm.rejected'));
      reload();
    } catch (ex) { toast(errorText(ex), 'error'); }
  };
  return h('li', { class: 'card card-pad adm-app', dataset: { id: String(a.id) } },
    h('strong', null, a.shop_name), ' · ', a.representative, ' · ', t(`sa.${a.status}`),
    h('div', { class: 'muted small' }, `${t('sa.bn')} ${a.business_number} · ${a.contact_email} · ${a.contact_phone}`),
    h('div', { class: 'muted small' }, `${a.bank_name} ${a.bank_account} (${a.account_holder})`),
    a.status === 'PENDING' ? h('div', { class: 'adm-actions' },
      h('button', { class: 'btn btn-primary adm-approve', type: 'button', onclick: () => act('approve') }, t('adm.approve')),
      reason, h('button', { class: 'btn adm-reject', type: 'button', onclick: () => act('reject') }, t('adm.reject'))) : null);
}

export async function render(ctx) {
  const u = currentUser();
  if (!u) { requireLogin(); return; }
  if (u.role !== 'admin') { mount(ctx.el, emptyState(t('adm.only'))); return; }
  const load = async () => {
    mount(ctx.el, spinner());
    try {
      const r = await get('/api/v1/admin/seller-applications?status=PENDING');
      mount(ctx.el, h('div', { class: 'admin-page' }, adminNav('adminSellers'), h('h1', null, t('adm.title')),
        r.items.length ? h('ul', { class: 'adm-list', id: 'adm-apps' }, r.items.map((a) => row(a, load))) : emptyState(t('adm.none'))));
    } catch (ex) { mount(ctx.el, h('p', { class: 'form-error' }, errorText(ex))); }
  };
  await load();
}
