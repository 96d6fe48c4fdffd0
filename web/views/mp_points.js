// my page: points. The balance (and what expires within 30 days), the daily attendance check
// (POST /api/v1/me/attendance, once per Asia/Seoul day), a month calendar of the points history
// (GET /api/v1/me/points/history?from=&to=: days with points earned or spent are marked, a click
// shows that day's rows) and charging points (POST /api/v1/me/points/charges, then the same
// payment window as an order; the success page confirms it).
import { h, mount as put } from '../dom.js';
import { t, errorText, addStrings, getLang } from '../i18n.js';
import { get, post } from '../api.js';
import { time } from '../format.js';
import { startPayment, preparePayment } from '../pay.js';
import { toast } from './ui.js';

addStrings({
  ko: { 'mppts.title': '포인트', 'mppts.balance': '보유 포인트', 'mppts.expiring': '30일 안에 소멸 예정 {n}P',
    'mppts.attend': '출석 체크', 'mppts.attended': '오늘 출석 완료', 'mppts.attendDone': '출석 체크 완료! {n}P 적립',
    'mppts.prev': '이전 달', 'mppts.next': '다음 달', 'mppts.noRows': '이 날의 포인트 내역이 없습니다.',
    'mppts.charge': '포인트 충전', 'mppts.chargeAmount': '충전 금액 (원)', 'mppts.chargeBtn': '충전하기',
    'mppts.chargeHint': '1,000원부터 1,000,000원까지, 1원 = 1P', 'mppts.week': '일,월,화,수,목,금,토',
    'kind.EARN': '적립', 'kind.SPEND': '사용', 'kind.EXPIRE': '소멸', 'kind.CHARGE': '충전', 'kind.ADJUST': '조정',
    'kind.REFUND': '환불', 'mppts.checked': '출석' },
  en: { 'mppts.title': 'Points', 'mppts.balance': 'My points', 'mppts.expiring': '{n} P expire within 30 days',
    'mppts.attend': 'Daily check-in', 'mppts.attended': 'Checked in today', 'mppts.attendDone': 'Checked in! {n} P earned',
    'mppts.prev': 'Previous month', 'mppts.next': 'Next month', 'mppts.noRows': 'No points on this day.',
    'mppts.charge': 'Charge points', 'mppts.chargeAmount': 'Amount (KRW)', 'mppts.chargeBtn': 'Charge',
    'mppts.chargeHint': '1,000 to 1,000,000 KRW, 1 KRW = 1 P', 'mppts.week': 'Sun,Mon,Tue,Wed,Thu,Fri,Sat',
    'kind.EARN': 'Earned', 'kind.SPEND': 'Spent', 'kind.EXPIRE': 'Expired', 'kind.CHARGE': 'Charged',
    'kind.ADJUST': 'Adjusted', 'kind.REFUND': 'Refunded', 'mppts.checked': 'Check-in' },
});

const fmt = (n) => new Intl.NumberFormat('ko-KR').format(n);
const pad = (n) => String(n).padStart(2, '0');
// The month's days as 'YYYY-MM-DD' (Asia/Seoul dates are plain calendar dates here).
export function monthDays(y, m) {
  const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: n }, (_, i) => `${y}-${pad(m)}-${pad(i + 1)}`);
}
// Weekday (0 = Sunday) of the month's first day.
export function firstWeekday(y, m) { return new Date(Date.UTC(y, m - 1, 1)).getUTCDay(); }
// Sums of a day's rows: {earn (> 0 amounts), spend (< 0 amounts)} by kst_date.
export function byDay(rows) {
  const out = {};
  for (const r of rows) {
    const d = (out[r.kst_date] ||= { earn: 0, spend: 0, rows: [] });
    if (r.amount > 0) d.earn += r.amount; else d.spend += r.amount;
    d.rows.push(r);
  }
  return out;
}

export async function mount(el) {
  const balEl = h('strong', { class: 'points-balance', id: 'mp-points-balance' }, '…');
  const soonEl = h('div', { class: 'muted small', id: 'mp-points-expiring' });
  const attendBtn = h('button', { class: 'btn btn-primary', type: 'button', id: 'mp-attend' }, t('mppts.attend'));
  const err = h('div', { class: 'form-error', role: 'alert', id: 'mp-points-error', hidden: true });
  const cal = h('div', { class: 'points-cal', id: 'mp-points-calendar' });
  const dayBox = h('div', { class: 'points-day', id: 'mp-points-day' });
  const showError = (ex) => { err.textContent = typeof ex === 'string' ? ex : errorText(ex); err.hidden = false; };
  let today = new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10); // Asia/Seoul
  let year = Number(today.slice(0, 4)), month = Number(today.slice(5, 7));

  async function loadBalance() {
    const p = await get('/api/v1/me/points');
    today = p.today || today;
    balEl.textContent = `${fmt(p.balance)}P`;
    balEl.dataset.balance = String(p.balance);
    soonEl.textContent = p.expiring_soon ? t('mppts.expiring', { n: fmt(p.expiring_soon) }) : '';
    attendBtn.disabled = !!p.checked_in_today;
    attendBtn.textContent = p.checked_in_today ? t('mppts.attended') : t('mppts.attend');
  }

  function showDay(date, day) {
    const rows = (day && day.rows) || [];
    put(dayBox, h('h3', null, date),
      rows.length ? h('ul', { class: 'points-rows' }, rows.map((r) => h('li', { class: 'points-row', dataset: { kind: r.kind } },
        h('span', { class: 'badge' }, t(`kind.${r.kind}`)),
        h('span', { class: 'grow' }, r.reason),
        h('span', { class: 'muted small' }, time(r.created_at)),
        h('strong', { class: r.amount > 0 ? 'plus' : 'minus' }, `${r.amount > 0 ? '+' : ''}${fmt(r.amount)}P`))))
        : h('p', { class: 'muted' }, t('mppts.noRows')));
  }

  async function loadMonth() {
    const days = monthDays(year, month);
    const r = await get(`/api/v1/me/points/history?from=${days[0]}&to=${days[days.length - 1]}&per_page=500`);
    const sums = byDay(r.items || []);
    const checked = new Set(r.attendance || []);
    const names = t('mppts.week').split(',');
    const cells = [];
    for (let i = 0; i < firstWeekday(year, month); i++) cells.push(h('div', { class: 'cal-cell empty' }));
    for (const d of days) {
      const s = sums[d];
      cells.push(h('button', { type: 'button', class: 'cal-cell' + (d === today ? ' today' : '') + (s ? ' has' : ''), id: `mp-points-day-${d}`,
        dataset: { date: d }, onclick: () => showDay(d, s) },
        h('span', { class: 'cal-num' }, String(Number(d.slice(8)))),
        checked.has(d) ? h('span', { class: 'cal-mark att', title: t('mppts.checked') }, '✓') : null,
        s && s.earn ? h('span', { class: 'cal-mark plus' }, `+${fmt(s.earn)}`) : null,
        s && s.spend ? h('span', { class: 'cal-mark minus' }, fmt(s.spend)) : null));
    }
    const label = getLang() === 'en' ? `${year}-${pad(month)}` : `${year}년 ${month}월`;
    put(cal,
      h('div', { class: 'row cal-head' },
        h('button', { type: 'button', class: 'btn-ghost small', id: 'mp-points-prev', 'aria-label': t('mppts.prev'), onclick: () => go(-1) }, '‹'),
        h('strong', { class: 'grow', id: 'mp-points-month' }, label),
        h('button', { type: 'button', class: 'btn-ghost small', id: 'mp-points-next', 'aria-label': t('mppts.next'), onclick: () => go(1) }, '›')),
      h('div', { class: 'cal-grid' }, names.map((n) => h('div', { class: 'cal-wd' }, n)), cells));
    if (today.slice(0, 7) === `${year}-${pad(month)}`) showDay(today, sums[today]);
    else put(dayBox);
  }
  const go = (step) => {
    month += step;
    if (month < 1) { month = 12; year--; }
    if (month > 12) { month = 1; year++; }
    loadMonth().catch(showError);
  };

  attendBtn.onclick = async () => {
    err.hidden = true;
    attendBtn.disabled = true;
    try {
      const r = await post('/api/v1/me/attendance', {});
      toast(t('mppts.attendDone', { n: fmt(r.points) }), 'success');
    } catch (ex) { showError(ex); }
    await Promise.all([loadBalance(), loadMonth()]).catch(showError);
  };

  const amount = h('input', { id: 'mp-charge-amount', type: 'number', min: 1000, max: 1000000, step: 1000, value: 10000, inputmode: 'numeric' });
  const chargeBtn = h('button', { class: 'btn', type: 'submit', id: 'mp-charge' }, t('mppts.chargeBtn'));
  const chargeForm = h('form', { class: 'row', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    const n = Math.floor(Number(amount.value));
    if (!Number.isFinite(n) || n < 1000 || n > 1000000) { showError(t('mppts.chargeHint')); return; }
    chargeBtn.disabled = true;
    try {
      await preparePayment();
      const c = await post('/api/v1/me/points/charges', { amount: n });
      await startPayment({ order_id: c.order_id, amount: c.amount, order_name: c.order_name,
        prepare_path: `/api/v1/me/points/charges/${encodeURIComponent(c.order_id)}/prepare` });
    } catch (ex) { showError(ex); chargeBtn.disabled = false; }
  } },
  h('label', { class: 'field grow' }, h('span', null, t('mppts.chargeAmount')), amount,
    h('span', { class: 'muted small' }, t('mppts.chargeHint'))), chargeBtn);

  put(el, h('h2', null, t('mppts.title')),
    h('div', { class: 'row points-head' }, h('div', { class: 'grow' }, h('div', { class: 'muted small' }, t('mppts.balance')), balEl, soonEl), attendBtn),
    err, cal, dayBox,
    h('h3', null, t('mppts.charge')), chargeForm);
  try { await Promise.all([loadBalance(), loadMonth()]); } catch (ex) { showError(ex); }
}

