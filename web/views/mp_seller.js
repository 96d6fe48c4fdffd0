// my page: the seller application's status, or a link to apply (buyers).
import { h, mount as put } from '../dom.js';
import { t } from '../i18n.js';
import { latestApplication, statusCard } from './seller_apply.js';

export async function mount(el, user) {
  if (user.role === 'admin') { el.remove(); return; }
  let a = null;
  try { a = await latestApplication(); } catch { el.remove(); return; }
  if (!a && user.role !== 'buyer') { el.remove(); return; }
  put(el, h('h2', null, t('sa.title')), a ? statusCard(a) : null,
    !a || a.status === 'REJECTED' ? h('a', { class: 'btn', href: '#/seller/apply', id: 'mp-seller-apply' }, a ? t('sa.again') : t('sa.title')) : null);
}
