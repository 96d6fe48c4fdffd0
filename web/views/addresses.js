// Shipping address forms: the typed address (with the postcode search) and, at checkout, the
// choice between the address book (GET /api/v1/me/addresses, the default preselected) and a new
// address. The postcode search is the Kakao (Daum) widget, loaded only when its button is
// clicked; when it cannot load the fields stay typed by hand.
import { h, mount } from '../dom.js';
import { t, addStrings } from '../i18n.js';
import { get } from '../api.js';

addStrings({
  ko: {
    'addr.findPostcode': '우편번호 찾기', 'addr.postcodeUnavailable': '우편번호 검색을 불러오지 못했습니다. 주소를 직접 입력해 주세요.',
    'addr.closeSearch': '검색 닫기', 'addr.new': '새 배송지 입력', 'addr.saveToBook': '배송지 목록에 저장',
    'addr.default': '기본', 'addr.label': '배송지 이름',
  },
  en: {
    'addr.findPostcode': 'Find postcode', 'addr.postcodeUnavailable': 'The postcode search could not load. Please type the address.',
    'addr.closeSearch': 'Close search', 'addr.new': 'New address', 'addr.saveToBook': 'Save to my address book',
    'addr.default': 'Default', 'addr.label': 'Address name',
  },
});

const POSTCODE_SRC = 'https://t1.daumcdn.net/mapjsapi/bundle/postcode/prod/postcode.v2.js';
let postcodeLoading = null;

// Loads the postcode widget once; resolves with its constructor (window.daum.Postcode).
export function loadPostcode(timeoutMs = 10000) {
  if (window.daum && window.daum.Postcode) return Promise.resolve(window.daum.Postcode);
  if (!postcodeLoading) {
    postcodeLoading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = `${POSTCODE_SRC}?autoload=false`;
      s.async = true;
      const timer = setTimeout(() => reject(new Error('postcode: timed out')), timeoutMs);
      s.onerror = () => { clearTimeout(timer); reject(new Error('postcode: did not load')); };
      s.onload = () => {
        const d = window.daum;
        if (!d || !d.postcode || typeof d.postcode.load !== 'function') { clearTimeout(timer); reject(new Error('postcode: no loader')); return; }
        d.postcode.load(() => { clearTimeout(timer); if (d.Postcode) resolve(d.Postcode); else reject(new Error('postcode: no widget')); });
      };
      document.head.appendChild(s);
    }).catch((e) => { postcodeLoading = null; throw e; }); // a later click tries again
  }
  return postcodeLoading;
}

// Saved typed address of the last checkout (this browser only).
const ADDR_KEY = 'bc.address';
function lastTyped() {
  try { return JSON.parse(localStorage.getItem(ADDR_KEY) || '{}') || {}; } catch { return {}; }
}

// The five fields of a shipping address with ids `${prefix}-recipient` etc. and the postcode
// search. Returns {el, value() → the address or null (fields marked), set(v), remember(v)}.
export function addressFields({ prefix = 'ship', initial = {}, legend = t('buy.shipping') } = {}) {
  const input = (key, attrs) => h('input', { id: `${prefix}-${key}`, name: key, value: initial[key] || '', ...attrs });
  const inputs = {
    recipient: input('recipient', { required: true, maxlength: 40, autocomplete: 'name' }),
    phone: input('phone', { required: true, inputmode: 'tel', pattern: '[0-9-]{9,20}', maxlength: 20, autocomplete: 'tel', placeholder: '010-1234-5678' }),
    postcode: input('postcode', { required: true, inputmode: 'numeric', pattern: '[0-9]{5}', maxlength: 5, autocomplete: 'postal-code', placeholder: '06236' }),
    address1: input('address1', { required: true, maxlength: 200, autocomplete: 'address-line1' }),
    address2: input('address2', { maxlength: 200, autocomplete: 'address-line2' }),
  };
  const field = (key, label, extra) => h('label', { class: 'field' }, h('span', null, label), extra ? h('div', { class: 'row' }, inputs[key], extra) : inputs[key]);
  const note = h('div', { class: 'muted small', id: `${prefix}-postcode-note`, role: 'status', hidden: true });
  const layer = h('div', { class: 'postcode-layer', id: `${prefix}-postcode-layer`, hidden: true });
  const closeLayer = () => { layer.hidden = true; mount(layer); };
  const find = h('button', { type: 'button', class: 'btn btn-small', id: `${prefix}-find-postcode`, onclick: async () => {
    note.hidden = true;
    find.disabled = true;
    try {
      const Postcode = await loadPostcode();
      const box = h('div', { class: 'postcode-frame' });
      mount(layer, h('button', { type: 'button', class: 'btn-ghost small', onclick: closeLayer }, t('addr.closeSearch')), box);
      layer.hidden = false;
      new Postcode({
        width: '100%', height: '100%',
        oncomplete: (data) => {
          inputs.postcode.value = data.zonecode || '';
          inputs.address1.value = data.roadAddress || data.address || '';
          closeLayer();
          inputs.address2.focus();
        },
      }).embed(box);
    } catch (e) {
      console.warn(e.message);
      note.textContent = t('addr.postcodeUnavailable');
      note.hidden = false;
    } finally { find.disabled = false; }
  } }, t('addr.findPostcode'));
  const el = h('fieldset', { class: 'address-form' },
    legend ? h('legend', null, legend) : null,
    h('div', { class: 'row2' }, field('recipient', t('buy.recipient')), field('phone', t('buy.phone'))),
    field('postcode', t('buy.postcode'), find), note, layer,
    field('address1', t('buy.address1')),
    field('address2', t('buy.address2')));
  return {
    el,
    value() {
      const v = {};
      let ok = true;
      for (const [k, i] of Object.entries(inputs)) {
        v[k] = i.value.trim();
        const valid = i.checkValidity() && (!i.required || v[k] !== '');
        i.classList.toggle('invalid', !valid);
        ok = ok && valid;
      }
      if (!ok) return null;
      if (!v.address2) delete v.address2;
      return v;
    },
    set(v) { for (const [k, i] of Object.entries(inputs)) i.value = (v && v[k]) || ''; },
    remember(v) { try { localStorage.setItem(ADDR_KEY, JSON.stringify(v)); } catch { /* ignore */ } },
  };
}

// One line describing a book address.
export function addressLine(a) {
  return `${a.recipient} · ${a.phone} · (${a.postcode}) ${a.address1}${a.address2 ? ` ${a.address2}` : ''}`;
}

// Checkout: the address book as a choice (the default preselected) plus "new address", or only the
// typed form when the book is empty. value() → {address_id} | {shipping_address, save_address?} |
// null (the typed address is invalid).
export function addressPicker() {
  const manual = addressFields({ prefix: 'ship', initial: lastTyped(), legend: null });
  const save = h('input', { type: 'checkbox', id: 'ship-save' });
  const manualWrap = h('div', { class: 'address-new' }, manual.el,
    h('label', { class: 'row small' }, save, t('addr.saveToBook')));
  const choices = h('div', { class: 'addr-choices', role: 'radiogroup', 'aria-label': t('buy.shipping'), hidden: true });
  let chosen = null; // a book address id, null = the typed address
  let typed = false;
  manual.el.addEventListener('input', () => { typed = true; });
  const pick = (id) => {
    chosen = id;
    manualWrap.hidden = id !== null;
    for (const r of choices.querySelectorAll('input[type=radio]')) r.checked = r.value === String(id ?? 'new');
  };
  const radio = (value, label, extra) => h('label', { class: 'check addr-choice' },
    h('input', { type: 'radio', name: 'addr-choice', id: `addr-choice-${value}`, value, onchange: () => pick(value === 'new' ? null : Number(value)) }),
    h('span', { class: 'grow' }, label, extra ? h('div', { class: 'muted small' }, extra) : null));
  get('/api/v1/me/addresses').then((r) => {
    const book = (r && r.items) || [];
    if (!book.length) return;
    mount(choices, book.map((a) => radio(String(a.id),
      h('strong', null, a.label, a.is_default ? h('span', { class: 'badge' }, t('addr.default')) : null), addressLine(a))),
    radio('new', t('addr.new')));
    choices.hidden = false;
    const def = book.find((a) => a.is_default) || book[0];
    pick(typed ? null : def.id); // what the buyer started typing stays
  }).catch(() => { /* the typed form stays */ });
  return {
    el: h('fieldset', { class: 'address-picker' }, h('legend', null, t('buy.shipping')), choices, manualWrap),
    value() {
      if (chosen !== null) return { address_id: chosen };
      const v = manual.value();
      if (!v) return null;
      return save.checked ? { shipping_address: v, save_address: true } : { shipping_address: v };
    },
    remember(where) { if (where && where.shipping_address) manual.remember(where.shipping_address); },
  };
}
