// Valve passkeys at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the server secret,
// so a copy of the database alone does not open the valves. Text form: v1.<iv>.<tag>.<data>,
// base64url. A passkey is never logged.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export class PasskeyCipher {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'espfleet', 'valve passkeys v1', 32));
  }

  seal(passkey: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([c.update(passkey, 'utf8'), c.final()]);
    return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  /** The passkey; throws when the text was sealed under another secret or altered. */
  open(sealed: string): string {
    const [v, iv, tag, data] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed passkey');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
  }
}
