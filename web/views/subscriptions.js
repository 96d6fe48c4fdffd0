// #/subscriptions: the operator's subscription plans; "subscribe" registers a card for automatic
// payments (POST /api/v1/subscriptions/billing-auth, then the sandbox's card registration page or
// Toss's requestBillingAuth), which returns to #/subscriptions/done?plan=&customerKey=&authKey=:
// POST /api/v1/subscriptions issues the billing key and charges the first period.
// #/subscriptions/fail?code=&message= shows why the registration stopped.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, post, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { price, dateTime } from '../format.js';
import { loadTossSdk } from '../pay.js';
import { spinner, emptyState } from './ui.js';

addStrings({
  ko: { 'sub.title': '정기구독', 'sub.intro': '카드를 한 번 등록하면 매 기간 자동으로 결제됩니다. 언제든 다음 결제일 전에 해지할 수 있어요.',
    'sub.none': '지금 제공 중인 구독 상품이 없습니다.', 'sub.subscribe': '구독하기', 'sub.MONTH': '매월', 'sub.WEEK': '매주',
    'sub.DAYS': '{n}일마다', 'sub.done': '구독이 시작되었습니다', 'sub.next': '다음 결제일', 'sub.toMy': '마이페이지에서 보기',
    'sub.failed': '구독하지 못했습니다', 'sub.back': '구독 상품으로', 'sub.subscribing': '카드를 확인하고 첫 결제를 진행하는 중…',
    'sub.amount': '결제 금액' },
  en: { 'sub.title': 'Subscriptions', 'sub.intro': 'Register a card once and each period is paid automatically. Cancel any time before the next payment.',
    'sub.none': 'No subscription plans are on offer right now.', 'sub.subscribe': 'Subscribe', 'sub.MONTH': 'monthly', 'sub.WEEK': 'weekly',
    'sub.DAYS': 'every {n} days', 'sub.done': 'Your subscription has started', 'sub.next': 'Next payment', 'sub.toMy': 'See it on my page',
    'sub.failed': 'Could not subscribe', 'sub.back': 'Back to the plans', 'sub.subscribing': 'Checking the card and making the first payment…',
    'sub.amount': 'Amount' },
});

// "매월" / "every 30 days" for a plan or subscription {period, period_days}.
export function periodText(p) {
  return p.period === 'DAYS' ? t('sub.DAYS', { n: p.period_days }) : t(`sub.${p.period}`);
}

// Opens the card registration for plan id (sandbox page or Toss SDK).
async function startBillingAuth(planId) {
  const a = await post('/api/v1/subscriptions/billing-auth', { plan_id: planId });
  if (a.mode === 'sandbox' && a.auth_url) {
    const q = new URLSearchParams({ customerKey: a.customer_key, successUrl: a.success_url, failUrl: a.fail_url, clientKey: a.client_key });
    location.assign(`${a.auth_url}?${q}`);
    return;
  }
  const Toss = await loadTossSdk(a.sdk_url);
  const u = currentUser();
  await Toss(a.client_key).payment({ customerKey: a.customer_key }).requestBillingAuth({
    method: 'CARD', successUrl: a.success_url, failUrl: a.fail_url, customerEmail: u && u.email, customerName: u && u.name,
  });
}

async function renderPlans(ctx) {
  const err = h('div', { class: 'form-error', role: 'alert', id: 'sub-error', hidden: true });
  const list = h('div', { class: 'sub-plans', id: 'sub-plans' }, spinner());
  mount(ctx.el, h('div', { class: 'narrow' }, h('h1', null, t('sub.title')), h('p', { class: 'muted' }, t('sub.intro')), err, list));
  let plans = [];
  try { plans = (await get('/api/v1/subscription-plans')).items || []; } catch (ex) { err.textContent = errorText(ex); err.hidden = false; }
  if (!plans.length) { mount(list, emptyState(t('sub.none'))); return; }
  mount(list, ...plans.map((p) => {
    const btn = h('button', { class: 'btn btn-primary', type: 'button', id: `sub-plan-${p.id}` }, t('sub.subscribe'));
    btn.onclick = async () => {
      if (!currentUser()) { requireLogin(); return; }
      err.hidden = true;
      btn.disabled = true;
      try { await startBillingAuth(p.id); } catch (ex) { err.textContent = errorText(ex); err.hidden = false; btn.disabled = false; }
    };
    return h('div', { class: 'card card-pad row sub-plan', dataset: { planId: String(p.id) } },
      h('div', { class: 'grow' }, h('h3', null, p.name), h('div', { class: 'muted' }, `${price(p.price)} / ${periodText(p)}`)), btn);
  }));
}

const DONE_KEY = 'bc.subscribed';

async function renderDone(ctx) {
  const q = ctx.query;
  const plan = Number(q.get('plan')), authKey = q.get('authKey'), customerKey = q.get('customerKey');
  if (!currentUser()) { requireLogin(); return; }
  const box = h('div', { class: 'narrow', id: 'sub-result' }, spinner(t('sub.subscribing')));
  mount(ctx.el, box);
  const fail = (ex) => mount(box, h('div', { class: 'card card-pad', id: 'sub-failed' }, h('h2', null, t('sub.failed')),
    h('p', { class: 'form-error', role: 'alert' }, errorText(ex)), h('a', { class: 'btn', href: '#/subscriptions' }, t('sub.back'))));
  if (!plan || !authKey || !customerKey) { fail(new Error(t('error.generic'))); return; }
  let s;
  try {
    // a reload of this page must not subscribe twice: the authKey is used once
    const done = JSON.parse(sessionStorage.getItem(DONE_KEY) || '{}');
    if (done[authKey]) s = await get(`/api/v1/me/subscriptions/${encodeURIComponent(done[authKey])}`);
    else {
      s = await post('/api/v1/subscriptions', { plan_id: plan, authKey, customerKey });
      done[authKey] = s.id;
      sessionStorage.setItem(DONE_KEY, JSON.stringify(done));
    }
  } catch (ex) { fail(ex); return; }
  mount(box, h('div', { class: 'card card-pad', id: 'sub-done', dataset: { subscriptionId: String(s.id), status: s.status } },
    h('h2', null, t('sub.done')),
    h('p', null, h('strong', null, s.plan_name), ` · ${price(s.amount)} / ${periodText(s)}`),
    s.next_payment_at ? h('p', { class: 'muted' }, `${t('sub.next')}: ${dateTime(s.next_payment_at)}`) : null,
    h('a', { class: 'btn btn-primary', href: '#/me', id: 'sub-to-mypage' }, t('sub.toMy'))));
}

function renderFail(ctx) {
  const q = ctx.query;
  mount(ctx.el, h('div', { class: 'narrow' }, h('div', { class: 'card card-pad', id: 'sub-failed' }, h('h2', null, t('sub.failed')),
    h('p', { class: 'form-error', role: 'alert' }, q.get('message') || q.get('code') || t('error.generic')),
    h('a', { class: 'btn', href: '#/subscriptions' }, t('sub.back')))));
}

export async function render(ctx) {
  if (ctx.name === 'subscriptionDone') return renderDone(ctx);
  if (ctx.name === 'subscriptionFail') return renderFail(ctx);
  return renderPlans(ctx);
}
