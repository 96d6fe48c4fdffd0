import { getLang } from './i18n.js';

const num = new Intl.NumberFormat('ko-KR');

// 12900 -> "₩12,900"
export function price(n) {
  const v = Number(n) || 0;
  return (v < 0 ? '-₩' : '₩') + num.format(Math.abs(v));
}

function locale() { return getLang() === 'en' ? 'en-US' : 'ko-KR'; }

export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d)) return '';
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(d);
}

// ISO string -> value for <input type="datetime-local"> in local time
export function toLocalInput(d) {
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// <input type="datetime-local"> value (local time) -> ISO-8601 UTC
export function fromLocalInput(v) {
  const d = new Date(v);
  return isNaN(d) ? null : d.toISOString();
}

export function count(n) {
  return new Intl.NumberFormat(locale(), { notation: Number(n) >= 10000 ? 'compact' : 'standard' }).format(Number(n) || 0);
}
