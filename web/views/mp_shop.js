// my page, sellers: the shop profile shown on the public store page (#/sellers/{id}): shop name,
// introduction, logo (uploaded like product images) and shipping policy.
import { h, mount as put, safeUrl } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, patch, uploadImage } from '../api.js';

addStrings({
  ko: { 'shop.title': '내 상점', 'shop.name': '상점 이름', 'shop.intro': '상점 소개', 'shop.logo': '로고 이미지',
    'shop.removeLogo': '로고 삭제', 'shop.policy': '배송·교환·반품 안내', 'shop.save': '저장', 'shop.saved': '상점 정보를 저장했습니다.',
    'shop.view': '내 상점 보기' },
  en: { 'shop.title': 'My shop', 'shop.name': 'Shop name', 'shop.intro': 'About the shop', 'shop.logo': 'Logo image',
    'shop.removeLogo': 'Remove logo', 'shop.policy': 'Shipping, exchange and return policy', 'shop.save': 'Save', 'shop.saved': 'Your shop is saved.',
    'shop.view': 'View my shop' },
});

export async function mount(el, user) {
  if (user.role !== 'seller') { el.remove(); return; }
  let shop;
  try { shop = await get(`/api/v1/sellers/${user.id}`); } catch { el.remove(); return; }
  const name = h('input', { id: 'shop-name', required: true, maxlength: 60, value: shop.shop_name || '' });
  const intro = h('textarea', { id: 'shop-intro', rows: 3, maxlength: 2000 }, shop.intro || '');
  const policy = h('textarea', { id: 'shop-policy', rows: 3, maxlength: 2000 }, shop.shipping_policy || '');
  const logoFile = h('input', { id: 'shop-logo', type: 'file', accept: 'image/png,image/jpeg,image/webp' });
  let logoUrl = shop.logo_url || null;
  const preview = h('div', { class: 'shop-logo-preview' });
  const showLogo = () => put(preview, logoUrl ? h('img', { src: safeUrl(logoUrl), alt: '', width: 64, height: 64, id: 'shop-logo-img' }) : null,
    logoUrl ? h('button', { type: 'button', class: 'btn btn-small', id: 'shop-logo-remove', onclick: () => { logoUrl = null; showLogo(); } }, t('shop.removeLogo')) : null);
  showLogo();
  const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const ok = h('div', { class: 'muted small', role: 'status', hidden: true, id: 'shop-saved' }, t('shop.saved'));
  const form = h('form', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true; ok.hidden = true;
    try {
      if (logoFile.files && logoFile.files[0]) { logoUrl = (await uploadImage(logoFile.files[0])).url; logoFile.value = ''; showLogo(); }
      await patch('/api/v1/me/shop', { shop_name: name.value.trim(), intro: intro.value, shipping_policy: policy.value, logo_url: logoUrl });
      ok.hidden = false;
    } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
  } },
  h('label', { class: 'field' }, h('span', null, t('shop.name')), name),
  h('label', { class: 'field' }, h('span', null, t('shop.intro')), intro),
  h('label', { class: 'field' }, h('span', null, t('shop.logo')), preview, logoFile),
  h('label', { class: 'field' }, h('span', null, t('shop.policy')), policy),
  err, ok,
  h('button', { class: 'btn btn-primary', type: 'submit', id: 'shop-save' }, t('shop.save')), ' ',
  h('a', { class: 'btn', href: `#/sellers/${user.id}`, id: 'shop-view' }, t('shop.view')));
  put(el, h('h2', null, t('shop.title')), form);
}
