// (stub until its feature lands)
import { mount } from '../dom.js';
import { emptyState } from './ui.js';
export function render(ctx) { mount(ctx.el, emptyState('…')); }
