// The API reference page (/api/docs): renders the OpenAPI document with Redoc, served from
// /vendor (copied from node_modules by `make web`). A file, not an inline script: the page's
// Content-Security-Policy allows scripts from 'self' only.
/* global Redoc */
const el = document.getElementById('redoc');
Redoc.init(el.dataset.spec, { hideDownloadButton: false, expandResponses: '200,201' }, el);
