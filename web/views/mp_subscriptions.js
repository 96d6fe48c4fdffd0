// my page: subscriptions. Each of mine with its status, amount per period, the next payment date,
// a declined renewal's message (PAST_DUE: retried automatically), and cancel (at the end of the
// period) / resume (undo a pending cancel).
import { h, mount as put } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post } from '../api.js';
import { price, dateTime } from '../format.js';
import { periodText } from './subscriptions.js';
import { toast } from './ui.js';

addStrings({
  ko: { 'mps.title': '정기구독', 'mps.none': '구독 중인 상품이 없습니다.', 'mps.browse': '구독 상품 보기',
    'mps.PENDING': '결제 확인 중', 'mps.ACTIVE': '이용 중', 'mps.PAST_DUE': '결제 실패', 'mps.CANCELED': '해지됨', 'mps.ENDED': '종료',
    'mps.next': '다음 결제일', 'mps.endsAt': '{d}에 종료 예정', 'mps.period': '이용 기간', 'mps.cancel': '구독 해지',
    'mps.resume': '해지 취소', 'mps.confirmCancel': '이번 이용 기간이 끝나면 구독이 종료됩니다. 해지할까요?',
    'mps.canceled': '해지가 예약되었습니다', 'mps.resumed': '구독이 계속됩니다', 'mps.failure': '최근 결제 실패: {m}',
    'mps.retry': '{d}에 다시 결제합니다' },
  en: { 'mps.title': 'Subscriptions', 'mps.none': 'You have no subscriptions.', 'mps.browse': 'See the plans',
    'mps.PENDING': 'Confirming payment', 'mps.ACTIVE': 'Active', 'mps.PAST_DUE': 'Payment failed', 'mps.CANCELED': 'Cancelled', 'mps.ENDED': 'Ended',
    'mps.next': 'Next payment', 'mps.endsAt': 'Ends on {d}', 'mps.period': 'Current period', 'mps.cancel': 'Cancel subscription',
    'mps.resume': 'Keep subscription', 'mps.confirmCancel': 'The subscription ends when this period ends. Cancel it?',
    'mps.canceled': 'Cancellation scheduled', 'mps.resumed': 'Your subscription continues', 'mps.failure': 'Last payment failed: {m}',
    'mps.retry': 'Retried on {d}' },
});

export async function mount(el) {
  const err = h('div', { class: 'form-error', role: 'alert', id: 'mp-subs-error', hidden: true });
  const list = h('div', { class: 'mp-subs', id: 'mp-subs' });
  const showError = (ex) => { err.textContent = errorText(ex); err.hidden = false; };
  put(el, h('h2', null, t('mps.title')), err, list);

  async function act(s, what) {
    err.hidden = true;
    if (what === 'cancel' && !confirm(t('mps.confirmCancel'))) return;
    try {
      await post(`/api/v1/me/subscriptions/${s.id}/${what}`, {});
      toast(t(what === 'cancel' ? 'mps.canceled' : 'mps.resumed'), 'success');
    } catch (ex) { showError(ex); }
    await load().catch(showError);
  }

  function row(s) {
    const live = s.status === 'ACTIVE' || s.status === 'PAST_DUE';
    return h('div', { class: 'card card-pad mp-sub', id: `mp-sub-${s.id}`, dataset: { status: s.status, cancelAtPeriodEnd: String(s.cancel_at_period_end) } },
      h('div', { class: 'row' },
        h('strong', { class: 'grow' }, s.plan_name),
        h('span', { class: 'badge', id: `mp-sub-status-${s.id}` }, t(`mps.${s.status}`))),
      h('div', { class: 'muted' }, `${price(s.amount)} / ${periodText(s)}`),
      s.status === 'ACTIVE' ? h('div', { class: 'small' }, `${t('mps.period')}: ${dateTime(s.current_period_start)} – ${dateTime(s.current_period_end)}`) : null,
      s.next_payment_at ? h('div', { id: `mp-sub-next-${s.id}` }, `${t('mps.next')}: ${dateTime(s.next_payment_at)}`) : null,
      s.status === 'ACTIVE' && s.cancel_at_period_end ? h('div', { class: 'muted', id: `mp-sub-ends-${s.id}` }, t('mps.endsAt', { d: dateTime(s.current_period_end) })) : null,
      s.last_failure_code ? h('div', { class: 'form-error', id: `mp-sub-failure-${s.id}` },
        t('mps.failure', { m: s.last_failure_message || s.last_failure_code }),
        s.status === 'PAST_DUE' && s.next_payment_at ? ` · ${t('mps.retry', { d: dateTime(s.next_payment_at) })}` : '') : null,
      live && !s.cancel_at_period_end ? h('button', { class: 'btn btn-small', type: 'button', id: `mp-sub-cancel-${s.id}`, onclick: () => act(s, 'cancel') }, t('mps.cancel')) : null,
      s.status === 'ACTIVE' && s.cancel_at_period_end ? h('button', { class: 'btn btn-small', type: 'button', id: `mp-sub-resume-${s.id}`, onclick: () => act(s, 'resume') }, t('mps.resume')) : null);
  }

  async function load() {
    const subs = (await get('/api/v1/me/subscriptions')).items || [];
    if (!subs.length) put(list, h('p', { class: 'muted' }, t('mps.none'), ' ', h('a', { href: '#/subscriptions', id: 'mp-subs-browse' }, t('mps.browse'))));
    else put(list, ...subs.map(row), h('a', { href: '#/subscriptions', class: 'small' }, t('mps.browse')));
  }
  try { await load(); } catch (ex) { showError(ex); }
}
