// fetch wrapper: JSON in/out, bearer token from localStorage, one shared refresh (with rotation) on 401,
// errors thrown as ApiError {status, code, message}.
const K_ACCESS = 'bc.access', K_REFRESH = 'bc.refresh', K_USER = 'bc.user';

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

const listeners = new Set();
export function onAuthChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function emitAuth() { for (const fn of listeners) { try { fn(currentUser()); } catch (e) { console.error(e); } } }

function ls(k) { try { return localStorage.getItem(k); } catch { return null; } }
function lsSet(k, v) { try { if (v == null) localStorage.removeItem(k); else localStorage.setItem(k, v); } catch { /* ignore */ } }

// The refresh token: localStorage when "keep me signed in" was chosen, else sessionStorage only (gone with the tab).
function ss(k) { try { return sessionStorage.getItem(k); } catch { return null; } }
function ssSet(k, v) { try { if (v == null) sessionStorage.removeItem(k); else sessionStorage.setItem(k, v); } catch { /* ignore */ } }
export function refreshToken() { return ss(K_REFRESH) || ls(K_REFRESH); }
function refreshSet(v, remember) {
  if (remember === undefined) remember = !ss(K_REFRESH); // a rotation stays where the token was
  if (v == null) { ssSet(K_REFRESH, null); lsSet(K_REFRESH, null); return; }
  if (remember) { lsSet(K_REFRESH, v); ssSet(K_REFRESH, null); } else { ssSet(K_REFRESH, v); lsSet(K_REFRESH, null); }
}

export function accessToken() { return ls(K_ACCESS); }
export function currentUser() {
  try { return JSON.parse(ls(K_USER) || 'null'); } catch { return null; }
}

export function setSession(body, remember) {
  lsSet(K_ACCESS, body.access_token);
  refreshSet(body.refresh_token, remember);
  if (body.user) lsSet(K_USER, JSON.stringify(body.user));
  emitAuth();
}

export function clearSession() {
  lsSet(K_ACCESS, null); refreshSet(null); lsSet(K_USER, null);
  emitAuth();
}

// Other tabs signing in/out
window.addEventListener('storage', (e) => { if (e.key === K_USER || e.key === K_ACCESS) emitAuth(); });

let refreshing = null;
// Rotates the refresh token once, shared by all concurrent callers. Resolves true when new tokens are stored.
export function refreshTokens() {
  if (refreshing) return refreshing;
  const rt = refreshToken();
  if (!rt) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: rt }),
      });
      if (res.ok) { setSession(await res.json()); return true; }
      // Another tab may have rotated it already: only sign out when the stored token is still the one we tried.
      if (res.status === 401 && refreshToken() === rt) clearSession();
      return refreshToken() !== rt && !!refreshToken();
    } catch {
      return false;
    } finally {
      setTimeout(() => { refreshing = null; }, 0);
    }
  })();
  return refreshing;
}

async function parse(res) {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return text; }
}

export async function api(method, path, body, { signal, retry = true } = {}) {
  const headers = { accept: 'application/json' };
  const token = accessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  if (res.status === 401 && retry && token && !path.startsWith('/api/v1/auth/')) {
    if (await refreshTokens()) return api(method, path, body, { signal, retry: false });
  }
  const data = await parse(res);
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || `HTTP_${res.status}`, e.message || res.statusText, data);
  }
  return data;
}

// Uploads an image File/Blob as the raw request body (Content-Type = its type; the server checks the
// bytes themselves). Resolves {url, width, height, content_type}; throws ApiError like api().
export async function uploadImage(file, { retry = true } = {}) {
  const headers = { accept: 'application/json', 'content-type': file.type || 'application/octet-stream' };
  const token = accessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch('/api/v1/media/images', { method: 'POST', headers, body: file });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  if (res.status === 401 && retry && token && await refreshTokens()) return uploadImage(file, { retry: false });
  const data = await parse(res);
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || `HTTP_${res.status}`, e.message || res.statusText, data);
  }
  return data;
}

export const get = (p, o) => api('GET', p, undefined, o);
export const post = (p, b, o) => api('POST', p, b ?? {}, o);
export const patch = (p, b, o) => api('PATCH', p, b, o);
export const put = (p, b, o) => api('PUT', p, b, o);
export const del = (p, o) => api('DELETE', p, undefined, o);

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}

// Lists come as {items,...}; tolerate bare arrays.
export function items(r) { return Array.isArray(r) ? r : (r && Array.isArray(r.items) ? r.items : []); }

export async function login(email, password, remember = true) {
  const r = await api('POST', '/api/v1/auth/login', { email, password, remember: !!remember });
  setSession(r, !!remember);
  return r.user;
}

export async function signup(name, email, password, { phone, remember = true } = {}) {
  const body = { email, password, name, remember: !!remember };
  if (phone) body.phone = phone;
  const r = await api('POST', '/api/v1/auth/signup', body);
  setSession(r, !!remember);
  return r.user;
}

export async function logout() {
  const rt = refreshToken();
  try { if (accessToken()) await api('POST', '/api/v1/auth/logout', rt ? { refresh_token: rt } : {}); } catch { /* already invalid */ }
  clearSession();
}

// Cart endpoints in one place.
export const cart = {
  get: () => get('/api/v1/cart'),
  // skuId: the line's SKU (product options as SKUs); each SKU of a product is a line of its own
  set: (productId, quantity, skuId) => put(`/api/v1/cart/items/${encodeURIComponent(productId)}`, skuId ? { quantity, sku_id: skuId } : { quantity }),
  remove: (productId, skuId) => del(`/api/v1/cart/items/${encodeURIComponent(productId)}${skuId ? `?sku_id=${encodeURIComponent(skuId)}` : ''}`),
};
