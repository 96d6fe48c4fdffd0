// Studio tab "판매 게시글" (#/studio/posts): the seller's sale posts (GET /api/v1/seller/sale-posts),
// the editor (title, body, images uploaded through POST /api/v1/media/images, products, region,
// status; POST / PATCH /api/v1/seller/sale-posts) and deletion; and the sale post picker of the
// live scheduling form (salePostPicker).
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { price, dateTime } from '../format.js';
import { get, post, patch, del, items, uploadImage } from '../api.js';
import { withStates, emptyState, productImage, toast, spinner } from './ui.js';
import { regionPicker, regionText } from './regions.js';

addStrings({
  ko: {
    'studio.posts': '판매 게시글', 'posts.new': '새 게시글', 'posts.edit': '게시글 수정', 'posts.title': '제목', 'posts.body': '본문',
    'posts.images': '이미지 (최대 10장)', 'posts.addImage': '이미지 추가', 'posts.products': '묶을 상품 (최대 20개)', 'posts.status': '상태',
    'posts.status.DRAFT': '임시저장', 'posts.status.PUBLISHED': '게시 중', 'posts.status.CLOSED': '마감', 'posts.empty': '판매 게시글이 없습니다',
    'posts.saved': '저장했습니다', 'posts.deleted': '삭제했습니다', 'posts.confirmDelete': '이 게시글을 삭제할까요?', 'posts.delete': '삭제',
    'posts.pick': '판매 게시글로 상품 가져오기', 'posts.none': '쓸 수 있는 판매 게시글이 없습니다.', 'posts.write': '게시글 쓰기',
    'posts.needTitle': '제목을 입력하고 상품을 하나 이상 고르세요', 'posts.tooManyImages': '이미지는 10장까지입니다',
    'posts.productCount': '상품 {n}개', 'posts.view': '보기',
  },
  en: {
    'studio.posts': 'Sale posts', 'posts.new': 'New post', 'posts.edit': 'Edit post', 'posts.title': 'Title', 'posts.body': 'Text',
    'posts.images': 'Images (up to 10)', 'posts.addImage': 'Add image', 'posts.products': 'Products (up to 20)', 'posts.status': 'Status',
    'posts.status.DRAFT': 'Draft', 'posts.status.PUBLISHED': 'Published', 'posts.status.CLOSED': 'Closed', 'posts.empty': 'No sale posts yet',
    'posts.saved': 'Saved', 'posts.deleted': 'Deleted', 'posts.confirmDelete': 'Delete this post?', 'posts.delete': 'Delete',
    'posts.pick': 'Take products from sale posts', 'posts.none': 'No sale posts to use.', 'posts.write': 'Write one',
    'posts.needTitle': 'Enter a title and pick at least one product', 'posts.tooManyImages': 'Up to 10 images',
    'posts.productCount': '{n} products', 'posts.view': 'View',
  },
});

const ownPosts = async (status) => items(await get(`/api/v1/seller/sale-posts?per_page=50${status ? `&status=${status}` : ''}`));

// The sale posts fieldset of the live form: the seller's DRAFT and PUBLISHED posts as checkboxes
// (name=sale_post, id live-post-{id}); value() gives the checked ids in list order.
export async function salePostPicker() {
  let list = [];
  try { list = (await ownPosts()).filter((p) => p.status !== 'CLOSED'); } catch { /* the form still works without posts */ }
  const el = h('fieldset', { class: 'pick', id: 'live-posts' }, h('legend', null, t('posts.pick')),
    list.length ? list.map((p) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'sale_post', value: p.id, id: `live-post-${p.id}` }),
      p.image_url ? h('img', { class: 'mini', src: p.image_url, alt: '' }) : null,
      h('span', null, p.title), h('span', { class: 'muted small' }, [t('posts.productCount', { n: p.product_ids.length }), regionText(p.region)].filter(Boolean).join(' · '))))
      : h('p', { class: 'muted small' }, t('posts.none'), ' ', h('a', { href: '#/studio/posts' }, t('posts.write'))));
  return { el, value: () => [...el.querySelectorAll('input[name=sale_post]:checked')].map((c) => Number(c.value)) };
}

export async function render(ctx) {
  const formSlot = h('div');
  const listEl = h('div');
  mount(ctx.el, h('div', { class: 'row between' }, h('h2', null, t('studio.posts')),
    h('button', { class: 'btn btn-primary', id: 'new-post', onclick: () => showForm(null) }, `+ ${t('posts.new')}`)), formSlot, listEl);

  const load = () => withStates(listEl, async () => {
    const list = await ownPosts();
    if (!ctx.alive()) return;
    if (!list.length) { mount(listEl, emptyState(t('posts.empty'))); return; }
    mount(listEl, h('ul', { class: 'studio-lives', id: 'seller-posts' }, list.map((p) => h('li', { class: 'card live-row-card', id: `seller-post-${p.id}` },
      p.image_url ? h('img', { class: 'row-img', src: p.image_url, alt: '' }) : null,
      h('div', { class: 'grow' }, h('strong', null, p.title),
        h('div', { class: 'muted small' }, [t(`posts.status.${p.status}`), t('posts.productCount', { n: p.product_ids.length }), regionText(p.region), dateTime(p.updated_at)].filter(Boolean).join(' · '))),
      h('a', { class: 'btn-ghost small', href: `#/posts/${p.id}` }, t('posts.view')),
      h('button', { class: 'btn-ghost small', id: `edit-post-${p.id}`, onclick: () => showForm(p) }, t('studio.edit')),
      h('button', { class: 'btn-ghost small', id: `delete-post-${p.id}`, onclick: () => remove(p) }, t('posts.delete'))))));
  });

  async function remove(p) {
    if (!window.confirm(t('posts.confirmDelete'))) return;
    try { await del(`/api/v1/seller/sale-posts/${p.id}`); toast(t('posts.deleted'), 'success'); load(); } catch (ex) { toast(errorText(ex), 'error'); }
  }

  async function showForm(p) {
    mount(formSlot, spinner());
    let products = [];
    try { products = items(await get('/api/v1/seller/products?per_page=100')).filter((x) => x.status !== 'HIDDEN' || (p && p.product_ids.includes(x.id))); } catch (ex) { toast(errorText(ex), 'error'); }
    const title = h('input', { id: 'post-title', maxlength: 100, required: true, value: p ? p.title : '' });
    const body = h('textarea', { id: 'post-body', rows: 6, maxlength: 5000 });
    body.value = p ? p.body : '';
    const status = h('select', { id: 'post-status' }, ['DRAFT', 'PUBLISHED', 'CLOSED'].map((s) => h('option', { value: s, selected: p ? p.status === s : s === 'PUBLISHED' }, t(`posts.status.${s}`))));
    const region = regionPicker({ sidoId: 'post-region', sigunguId: 'post-sigungu', value: p ? p.region : null });
    const images = p ? [...p.images] : [];
    const imgList = h('ul', { class: 'upload-list', id: 'post-images' });
    const imgErr = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const drawImages = () => mount(imgList, images.map((url, i) => h('li', { class: 'upload-item' },
      h('img', { src: url, alt: '', class: 'upload-preview' }),
      h('button', { type: 'button', class: 'btn-ghost small', 'aria-label': t('studio.removeImage'), onclick: () => { images.splice(i, 1); drawImages(); } }, '×'))));
    const file = h('input', { type: 'file', id: 'post-image-file', accept: 'image/jpeg,image/png,image/webp', onchange: async () => {
      const f = file.files && file.files[0];
      imgErr.hidden = true;
      if (!f) return;
      if (images.length >= 10) { imgErr.textContent = t('posts.tooManyImages'); imgErr.hidden = false; file.value = ''; return; }
      file.disabled = true;
      try { images.push((await uploadImage(f)).url); drawImages(); } catch (ex) { imgErr.textContent = errorText(ex); imgErr.hidden = false; } finally { file.disabled = false; file.value = ''; }
    } });
    drawImages();
    const chosen = new Set(p ? p.product_ids : []);
    const err = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'card card-pad studio-form', id: 'post-form', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.hidden = true;
      const ids = [...form.querySelectorAll('input[name=post_product]:checked')].map((c) => Number(c.value));
      if (!title.value.trim() || !ids.length) { err.textContent = t('posts.needTitle'); err.hidden = false; return; }
      const b = { title: title.value.trim(), body: body.value, images: [...images], product_ids: ids, status: status.value, region: region.value() };
      try {
        if (p) await patch(`/api/v1/seller/sale-posts/${p.id}`, b); else await post('/api/v1/seller/sale-posts', b);
        toast(t('posts.saved'), 'success');
        mount(formSlot);
        load();
      } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
    } },
      h('h3', null, p ? t('posts.edit') : t('posts.new')),
      h('label', { class: 'field' }, h('span', null, t('posts.title')), title),
      h('label', { class: 'field' }, h('span', null, t('posts.body')), body),
      h('div', { class: 'field' }, h('span', null, t('posts.images')), imgList,
        h('label', { class: 'btn btn-small upload-btn' }, t('posts.addImage'), file), imgErr),
      region.el,
      h('label', { class: 'field' }, h('span', null, t('posts.status')), status),
      h('fieldset', { class: 'pick' }, h('legend', null, t('posts.products')),
        products.length ? products.map((x) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: 'post_product', value: x.id, id: `post-product-${x.id}`, checked: chosen.has(x.id) }),
          productImage(x, 'mini'), h('span', null, x.name), h('span', { class: 'muted small' }, price(x.price))))
          : h('p', { class: 'muted small' }, t('empty.products'))),
      err,
      h('div', { class: 'actions' },
        h('button', { class: 'btn btn-primary', type: 'submit', id: 'post-save' }, t('studio.save')),
        h('button', { class: 'btn', type: 'button', onclick: () => mount(formSlot) }, t('studio.cancel'))));
    mount(formSlot, form);
    title.focus();
  }
  load();
}
