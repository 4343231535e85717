import { createHash, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CryptoKey, exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';

export interface TestPerson {
  sub: string;
  name?: string;
  [claim: string]: unknown;
}

interface Grant {
  person: TestPerson;
  clientId: string;
  redirectUri: string;
  nonce?: string;
  challenge: string;
}

/**
 * A small OpenID provider on 127.0.0.1 for specs: discovery, JWKS, an authorization endpoint that
 * signs in `nextPerson` at once, and a token endpoint that checks the client secret and PKCE
 * before it signs an RS256 ID token. It speaks the protocol for real; only the login form is skipped.
 */
export class TestOidcProvider {
  nextPerson: TestPerson = { sub: 'person-1', name: 'Olga Operator', roles: ['operator'] };
  /** Signs ID tokens with another key than the one the JWKS publishes (a forged token). */
  forgeSignature = false;
  private readonly grants = new Map<string, Grant>();
  private server?: Server;
  private jwk?: JWK;
  private signingKey?: CryptoKey;
  private forgingKey?: CryptoKey;
  issuer = '';

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  async start(): Promise<this> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    this.signingKey = privateKey;
    this.forgingKey = (await generateKeyPair('RS256')).privateKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    this.server = createServer((request, response) => {
      this.handle(request)
        .then(({ status, headers, body }) => {
          response.writeHead(status, { 'content-type': 'application/json', ...headers });
          response.end(body === undefined ? undefined : JSON.stringify(body));
        })
        .catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(request: IncomingMessage): Promise<{
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
  }> {
    const url = new URL(request.url ?? '/', this.issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/authorize`,
          token_endpoint: `${this.issuer}/token`,
          jwks_uri: `${this.issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_post'],
        },
      };
    }
    if (url.pathname === '/jwks') {
      return { status: 200, body: { keys: [this.jwk] } };
    }
    if (url.pathname === '/authorize') {
      const query = url.searchParams;
      if (
        query.get('client_id') !== this.clientId ||
        query.get('code_challenge_method') !== 'S256'
      ) {
        return { status: 400, body: { error: 'invalid_request' } };
      }
      const code = randomBytes(16).toString('hex');
      this.grants.set(code, {
        person: this.nextPerson,
        clientId: this.clientId,
        redirectUri: query.get('redirect_uri') ?? '',
        nonce: query.get('nonce') ?? undefined,
        challenge: query.get('code_challenge') ?? '',
      });
      const back = new URL(query.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', query.get('state') ?? '');
      return { status: 302, headers: { location: back.href } };
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(await bodyOf(request));
      const grant = this.grants.get(form.get('code') ?? '');
      this.grants.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (
        !grant ||
        form.get('client_secret') !== this.clientSecret ||
        form.get('redirect_uri') !== grant.redirectUri ||
        createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
      ) {
        return { status: 400, body: { error: 'invalid_grant' } };
      }
      const idToken = await new SignJWT({ ...grant.person, nonce: grant.nonce })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setIssuer(this.issuer)
        .setAudience(grant.clientId)
        .setSubject(grant.person.sub)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign((this.forgeSignature ? this.forgingKey : this.signingKey) as CryptoKey);
      return {
        status: 200,
        headers: { 'cache-control': 'no-store' },
        body: {
          access_token: randomBytes(16).toString('hex'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
        },
      };
    }
    return { status: 404, body: { error: 'not_found' } };
  }
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
