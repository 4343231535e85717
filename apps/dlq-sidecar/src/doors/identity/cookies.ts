import type { FastifyReply, FastifyRequest } from 'fastify';

// __Host-: only ever set by this origin over HTTPS (or loopback), for the whole path, never a domain.
export const SESSION_COOKIE = '__Host-dlq-console';
export const FLOW_COOKIE = '__Host-dlq-console-oidc';

export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      return part.slice(separator + 1).trim();
    }
  }
  return undefined;
}

// Lax, not Strict: the OIDC callback arrives from the IdP's site, and a Strict cookie set in that
// redirect chain would not come back. Mutations carry a CSRF token besides.
export function setCookie(reply: FastifyReply, name: string, value: string, maxAgeSeconds: number) {
  void reply.header(
    'set-cookie',
    `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`,
  );
}

export function clearCookie(reply: FastifyReply, name: string) {
  setCookie(reply, name, '', 0);
}
