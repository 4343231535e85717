import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DlqSidecarConfig } from '@orders/config';
import type { FastifyInstance } from 'fastify';
import { AddressInfo } from 'node:net';
import { LocalSignInLink } from '../identity/local-sign-in-link';

// No script at all today; 'self' only, never inline or eval, when views bring some.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * What the console needs from the HTTP server around its routes: security headers on every
 * /console answer, form bodies, and the sign-in link printed once the port is known.
 */
@Injectable()
export class ConsoleHttpHooks implements OnModuleInit {
  private readonly logger = new Logger('Console');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: DlqSidecarConfig,
    private readonly link: LocalSignInLink,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', async (request, reply) => {
      if (request.url === '/console' || request.url.startsWith('/console/')) {
        void reply.headers({
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          // The sign-in link's token must not travel on in a Referer header.
          'referrer-policy': 'no-referrer',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-resource-policy': 'same-origin',
        });
        if (!reply.hasHeader('cache-control')) {
          void reply.header('cache-control', 'no-store');
        }
      }
    });
    if (!fastify.hasContentTypeParser('application/x-www-form-urlencoded')) {
      fastify.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: 64 * 1024 },
        // A name given more than once (ticked orders: key=1&key=2) becomes a list.
        (_request, body, done) => {
          const fields: Record<string, string | string[]> = {};
          for (const [name, value] of new URLSearchParams(body as string)) {
            const known = fields[name];
            fields[name] = known === undefined ? value : [known, value].flat();
          }
          done(null, fields);
        },
      );
    }
    if (this.link.enabled) {
      fastify.addHook('onListen', async () => {
        this.logger.log({
          msg: 'console sign-in link (signs in once)',
          consoleSignInUrl: this.link.url(this.base(fastify.server.address() as AddressInfo)),
        });
      });
    }
  }

  private base(address: AddressInfo): string {
    if (this.config.CONSOLE_PUBLIC_URL) {
      return this.config.CONSOLE_PUBLIC_URL.replace(/\/+$/, '');
    }
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }
}
