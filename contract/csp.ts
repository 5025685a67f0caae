/**
 * Content-Security-Policy of the UI: only our own scripts and styles; nothing remote, no eval, no
 * frames. Prompts and model outputs are untrusted text, and this is the last line if one ever
 * reaches the DOM as markup.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
