// my page: the address book (list, add, edit, delete, set the default; at most 10 addresses).
import { h, mount as put } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post, patch, del } from '../api.js';
import { addressFields, addressLine } from './addresses.js';

addStrings({
  ko: { 'mpa.title': '배송지 관리', 'mpa.empty': '저장된 배송지가 없습니다.', 'mpa.add': '배송지 추가', 'mpa.edit': '수정',
    'mpa.delete': '삭제', 'mpa.makeDefault': '기본 배송지로', 'mpa.save': '저장', 'mpa.cancel': '취소',
    'mpa.asDefault': '기본 배송지로 설정', 'mpa.labelHint': '예: 집, 회사', 'mpa.invalid': '배송지 정보를 확인해 주세요',
    'mpa.full': '배송지는 10개까지 저장할 수 있습니다.' },
  en: { 'mpa.title': 'Address book', 'mpa.empty': 'No saved addresses yet.', 'mpa.add': 'Add an address', 'mpa.edit': 'Edit',
    'mpa.delete': 'Delete', 'mpa.makeDefault': 'Make default', 'mpa.save': 'Save', 'mpa.cancel': 'Cancel',
    'mpa.asDefault': 'Make it my default address', 'mpa.labelHint': 'e.g. Home, Office', 'mpa.invalid': 'Please check the address',
    'mpa.full': 'The address book holds at most 10 addresses.' },
});

const MAX = 10;

export async function mount(el) {
  const list = h('ul', { class: 'addr-list', id: 'mp-addr-list' });
  const formBox = h('div', { id: 'mp-addr-form-box' });
  const err = h('div', { class: 'form-error', role: 'alert', id: 'mp-addr-error', hidden: true });
  const addBtn = h('button', { class: 'btn', type: 'button', id: 'mp-addr-add', onclick: () => openForm(null) }, t('mpa.add'));
  const showError = (ex) => { err.textContent = typeof ex === 'string' ? ex : errorText(ex); err.hidden = false; };
  let items = [];

  const act = async (fn) => {
    err.hidden = true;
    try { await fn(); await load(); } catch (ex) { showError(ex); }
  };

  function openForm(a) {
    err.hidden = true;
    const fields = addressFields({ prefix: 'mpa', initial: a || {}, legend: null });
    const label = h('input', { id: 'mpa-label', maxlength: 30, required: true, value: a ? a.label : '', placeholder: t('mpa.labelHint') });
    const asDefault = h('input', { type: 'checkbox', id: 'mpa-default', checked: a ? a.is_default : items.length === 0, disabled: a && a.is_default });
    const form = h('form', { class: 'card-pad', id: 'mp-addr-form', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      const v = fields.value();
      const name = label.value.trim();
      label.classList.toggle('invalid', !name);
      if (!v || !name) { showError(t('mpa.invalid')); return; }
      const body = { label: name, ...v };
      if (asDefault.checked && !(a && a.is_default)) body.is_default = true;
      await act(async () => {
        if (a) await patch(`/api/v1/me/addresses/${encodeURIComponent(a.id)}`, { address2: '', ...body });
        else await post('/api/v1/me/addresses', body);
        put(formBox);
      });
    } },
    h('label', { class: 'field' }, h('span', null, t('addr.label')), label),
    fields.el,
    h('label', { class: 'row small' }, asDefault, t('mpa.asDefault')),
    h('div', { class: 'row' },
      h('button', { class: 'btn btn-primary', type: 'submit', id: 'mp-addr-save' }, t('mpa.save')),
      h('button', { class: 'btn-ghost', type: 'button', onclick: () => put(formBox) }, t('mpa.cancel'))));
    put(formBox, form);
    label.focus();
  }

  async function load() {
    items = (await get('/api/v1/me/addresses')).items || [];
    addBtn.disabled = items.length >= MAX;
    addBtn.title = items.length >= MAX ? t('mpa.full') : '';
    if (!items.length) { put(list, h('li', { class: 'muted' }, t('mpa.empty'))); return; }
    put(list, items.map((a) => h('li', { class: 'addr-item', id: `mp-addr-${a.id}`, dataset: { id: String(a.id) } },
      h('div', { class: 'grow' },
        h('strong', null, a.label), a.is_default ? h('span', { class: 'badge', id: `mp-addr-default-${a.id}` }, t('addr.default')) : null,
        h('div', { class: 'small' }, addressLine(a))),
      h('div', { class: 'row' },
        a.is_default ? null : h('button', { class: 'btn-ghost small', type: 'button', id: `mp-addr-make-default-${a.id}`,
          onclick: () => act(() => post(`/api/v1/me/addresses/${encodeURIComponent(a.id)}/default`, {})) }, t('mpa.makeDefault')),
        h('button', { class: 'btn-ghost small', type: 'button', id: `mp-addr-edit-${a.id}`, onclick: () => openForm(a) }, t('mpa.edit')),
        h('button', { class: 'btn-ghost small', type: 'button', id: `mp-addr-delete-${a.id}`,
          onclick: () => act(() => del(`/api/v1/me/addresses/${encodeURIComponent(a.id)}`)) }, t('mpa.delete'))))));
  }

  put(el, h('h2', null, t('mpa.title')), list, err, formBox, addBtn);
  try { await load(); } catch (ex) { showError(ex); }
}
