// Regions (the server's regions.h): the 17 시/도 by official name with their short forms (the same
// list as GET /api/v1/regions), a 시/도 select + 시/군/구 input pair, the text of a region, and the
// region of an address line ("서울특별시 강남구 테헤란로 123" or "서울 강남구 …" → 서울특별시 / 강남구).
import { h } from '../dom.js';
import { t, addStrings } from '../i18n.js';

addStrings({
  ko: { 'region.sido': '시/도', 'region.sigungu': '시/군/구', 'region.none': '지역 없음', 'region.all': '전체 지역', 'region.sigunguHint': '예: 강남구' },
  en: { 'region.sido': 'Province / city', 'region.sigungu': 'District', 'region.none': 'No region', 'region.all': 'All regions', 'region.sigunguHint': 'e.g. 강남구' },
});

export const SIDO = [
  ['서울특별시', '서울'], ['부산광역시', '부산'], ['대구광역시', '대구'], ['인천광역시', '인천'], ['광주광역시', '광주'],
  ['대전광역시', '대전'], ['울산광역시', '울산'], ['세종특별자치시', '세종'], ['경기도', '경기'], ['강원특별자치도', '강원'],
  ['충청북도', '충북'], ['충청남도', '충남'], ['전북특별자치도', '전북'], ['전라남도', '전남'], ['경상북도', '경북'],
  ['경상남도', '경남'], ['제주특별자치도', '제주'],
];
const FORMER = { 강원도: '강원특별자치도', 전라북도: '전북특별자치도', 제주도: '제주특별자치도' };

// The official name of a 시/도 written in any form the server accepts, or null.
export function canonSido(name) {
  const n = String(name || '').trim();
  for (const [full, short] of SIDO) if (n === full || n === short || n === `${short}시`) return full;
  return FORMER[n] || null;
}

// "서울특별시 강남구" (or "서울특별시"); '' for no region.
export function regionText(r) {
  return r && r.sido ? [r.sido, r.sigungu].filter(Boolean).join(' ') : '';
}

// The region of a Korean address line: its first word as the 시/도 and its second as the 시/군/구;
// null when the first word is no 시/도.
export function regionOfAddress(address1) {
  const words = String(address1 || '').trim().split(/\s+/);
  const sido = canonSido(words[0]);
  if (!sido) return null;
  const sigungu = words[1] && words[1].length <= 20 ? words[1] : null;
  return { sido, sigungu };
}

// The value of GET /api/v1/lives?region= for r.
export function regionQuery(r) { return regionText(r); }

// A 시/도 select (id sidoId; '' = no region, or with { any: true } "all regions") and a 시/군/구
// input (id sigunguId; omitted with { sigungu: false }). value() gives {sido, sigungu?} or null.
export function regionPicker({ sidoId, sigunguId, value = null, any = false, sigungu = true }) {
  const sel = h('select', { id: sidoId, 'aria-label': t('region.sido') },
    h('option', { value: '' }, any ? t('region.all') : t('region.none')),
    SIDO.map(([full]) => h('option', { value: full, selected: !!value && value.sido === full }, full)));
  const sg = sigungu ? h('input', { id: sigunguId, maxlength: 20, placeholder: t('region.sigunguHint'), 'aria-label': t('region.sigungu'), value: (value && value.sigungu) || '' }) : null;
  const sync = () => { if (sg) sg.disabled = !sel.value; };
  sel.addEventListener('change', sync);
  sync();
  const el = h('div', { class: 'row region-picker' },
    h('label', { class: 'field' }, h('span', null, t('region.sido')), sel),
    sg ? h('label', { class: 'field grow' }, h('span', null, t('region.sigungu')), sg) : null);
  return {
    el, select: sel,
    value() {
      if (!sel.value) return null;
      const s = sg ? sg.value.trim().replace(/\s+/g, ' ') : '';
      return s ? { sido: sel.value, sigungu: s } : { sido: sel.value };
    },
  };
}
