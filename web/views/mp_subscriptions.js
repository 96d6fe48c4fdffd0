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
  ko: { 'mpsub.title': '정기구독', 'mpsub.none': '구독 중인 상품이 없습니다.', 'mpsub.browse': '구독 상품 보기',
    'mpsub.PENDING': '결제 확인 중', 'mpsub.ACTIVE': '이용 중', 'mpsub.PAST_DUE': '결제 실패', 'mpsub.CANCELED': '해지됨', 'mpsub.ENDED': '종료',
    'mpsub.next': '다음 결제일', 'mpsub.endsAt': '{d}에 종료 예정', 'mpsub.period': '이용 기간', 'mpsub.cancel': '구독 해지',
    'mpsub.resume': '해지 취소', 'mpsub.confirmCancel': '이번 이용 기간이 끝나면 구독이 종료됩니다. 해지할까요?',
    'mpsub.canceled': '해지가 예약되었습니다', 'mpsub.resumed': '구독이 계속됩니다', 'mpsub.failure': '최근 결제 실패: {m}',
    'mpsub.retry': '{d}에 다시 결제합니다' },
  en: { 'mpsub.title': 'Subscriptions', 'mpsub.none': 'You have no subscriptions.', 'mpsub.browse': 'See the plans',
    'mpsub.PENDING': 'Confirming payment', 'mpsub.ACTIVE': 'Active', 'mpsub.PAST_DUE': 'Payment failed', 'mpsub.CANCELED': 'Cancelled', 'mpsub.ENDED': 'Ended',
    'mpsub.next': 'Next payment', 'mpsub.endsAt': 'Ends on {d}', 'mpsub.period': 'Current period', 'mpsub.cancel': 'Cancel subscription',
    'mpsub.resume': 'Keep subscription', 'mpsub.confirmCancel': 'The subscription ends when this period ends. Cancel it?',
    'mpsub.canceled': 'Cancellation scheduled', 'mpsub.resumed': 'Your subscription continues', 'mpsub.failure': 'Last payment failed: {m}',
    'mpsub.retry': 'Retried on {d}' },
});

export async function mount(el) {
  const err = h('div', { class: 'form-error', role: 'alert', id: 'mp-subs-error', hidden: true });
  const list = h('div', { class: 'mp-subs', id: 'mp-subs' });
  const showError = (ex) => { err.textContent = errorText(ex); err.hidden = false; };
  put(el, h('h2', null, t('mpsub.title')), err, list);

  async function act(s, what) {
    err.hidden = true;
    if (what === 'cancel' && !confirm(t('mpsub.confirmCancel'))) return;
    try {
      await post(`/api/v1/me/subscriptions/${s.id}/${what}`, {});
      toast(t(what === 'cancel' ? 'mpsub.canceled' : 'mpsub.resumed'), 'success');
    } catch (ex) { showError(ex); }
    await load().catch(showError);
  }

  function row(s) {
    const live = s.status === 'ACTIVE' || s.status === 'PAST_DUE';
    return h('div', { class: 'card card-pad mp-sub', id: `mp-sub-${s.id}`, dataset: { status: s.status, cancelAtPeriodEnd: String(s.cancel_at_period_end) } },
      h('div', { class: 'row' },
        h('strong', { class: 'grow' }, s.plan_name),
        h('span', { class: 'badge', id: `mp-sub-status-${s.id}` }, t(`mpsub.${s.status}`))),
      h('div', { class: 'muted' }, `${price(s.amount)} / ${periodText(s)}`),
      s.status === 'ACTIVE' ? h('div', { class: 'small' }, `${t('mpsub.period')}: ${dateTime(s.current_period_start)} – ${dateTime(s.current_period_end)}`) : null,
      s.next_payment_at ? h('div', { id: `mp-sub-next-${s.id}` }, `${t('mpsub.next')}: ${dateTime(s.next_payment_at)}`) : null,
      s.status === 'ACTIVE' && s.cancel_at_period_end ? h('div', { class: 'muted', id: `mp-sub-ends-${s.id}` }, t('mpsub.endsAt', { d: dateTime(s.current_period_end) })) : null,
      s.last_failure_code ? h('div', { class: 'form-error', id: `mp-sub-failure-${s.id}` },
        t('mpsub.failure', { m: s.last_failure_message || s.last_failure_code }),
        s.status === 'PAST_DUE' && s.next_payment_at ? ` · ${t('mpsub.retry', { d: dateTime(s.next_payment_at) })}` : '') : null,
      live && !s.cancel_at_period_end ? h('button', { class: 'btn btn-small', type: 'button', id: `mp-sub-cancel-${s.id}`, onclick: () => act(s, 'cancel') }, t('mpsub.cancel')) : null,
      s.status === 'ACTIVE' && s.cancel_at_period_end ? h('button', { class: 'btn btn-small', type: 'button', id: `mp-sub-resume-${s.id}`, onclick: () => act(s, 'resume') }, t('mpsub.resume')) : null);
  }

  async function load() {
    const subs = (await get('/api/v1/me/subscriptions')).items || [];
    if (!subs.length) put(list, h('p', { class: 'muted' }, t('mpsub.none'), ' ', h('a', { href: '#/subscriptions', id: 'mp-subs-browse' }, t('mpsub.browse'))));
    else put(list, ...subs.map(row), h('a', { href: '#/subscriptions', class: 'small' }, t('mpsub.browse')));
  }
  try { await load(); } catch (ex) { showError(ex); }
}
