import type { Plugin } from 'vite';

/**
 * The Content-Security-Policy of the built app (issue 8). Scripts come only from our origin; wasm
 * compilation is allowed ('wasm-unsafe-eval') for the tfjs wasm backend, but JavaScript eval is not.
 * Workers are same-origin modules. Network access is limited to our origin and the two public hosts
 * the user may ask to download datasets from. Inline styles are allowed because Plotly sets them.
 * Only the build gets it: the dev server injects an inline React-refresh preamble.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self' https://raw.githubusercontent.com",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export function contentSecurityPolicy(): Plugin {
  return {
    name: 'xlir-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}
