import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Identity } from './identity';

/**
 * `npm start`'s sign-in link, as Jupyter's: a random token made at start-up, printed once, good
 * for one sign-in. Only the local operator at this machine sees the log that carries it.
 */
@Injectable()
export class LocalSignInLink {
  private readonly token = randomBytes(32).toString('base64url');
  private used = false;

  constructor(private readonly config: DlqSidecarConfig) {}

  get enabled(): boolean {
    return this.config.CONSOLE_SIGN_IN === 'local-token';
  }

  url(consoleBase: string): string {
    return `${consoleBase}/console/sign-in?token=${this.token}`;
  }

  /** The local operator, once; undefined for a wrong or already used token. */
  redeem(presented: string): Identity | undefined {
    const digest = (text: string) => createHash('sha256').update(text).digest();
    if (!this.enabled || this.used || !timingSafeEqual(digest(this.token), digest(presented))) {
      return undefined;
    }
    this.used = true;
    return {
      subject: 'local',
      name: 'local operator',
      role: this.config.CONSOLE_LOCAL_ROLE,
      via: 'local-token',
    };
  }
}
