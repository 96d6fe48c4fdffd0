// my page section (stub until its feature lands): nothing to show.
export function mount(el) { el.remove(); }
