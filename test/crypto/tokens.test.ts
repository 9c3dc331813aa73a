import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { generateToken, hashToken, tokenHint, tokenKind } from '../../src/crypto/tokens.js';

describe('generateToken', () => {
  it('prefixes service and personal tokens', () => {
    expect(generateToken('service')).toMatch(/^tsr_svc_[A-Za-z0-9_-]{43}$/);
    expect(generateToken('personal')).toMatch(/^tsr_pat_[A-Za-z0-9_-]{43}$/);
  });

  it('carries 32 random bytes', () => {
    const token = generateToken('service');
    const secret = Buffer.from(token.slice('tsr_svc_'.length), 'base64url');

    expect(secret.length).toBe(32);
    expect(generateToken('service')).not.toBe(token);
  });
});

describe('hashToken', () => {
  it('is SHA-256 hex of the token', () => {
    const token = generateToken('service');

    expect(hashToken(token)).toBe(createHash('sha256').update(token, 'utf8').digest('hex'));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).not.toBe(hashToken(generateToken('service')));
  });
});

describe('tokenKind', () => {
  it('recognises generated tokens', () => {
    expect(tokenKind(generateToken('service'))).toBe('service');
    expect(tokenKind(generateToken('personal'))).toBe('personal');
  });

  it('rejects malformed tokens', () => {
    const body = generateToken('service').slice('tsr_svc_'.length);
    const malformed = [
      '',
      'tsr_svc_',
      `tsr_xyz_${body}`,
      `TSR_SVC_${body}`,
      `tsr_svc_${body.slice(1)}`,
      `tsr_svc_${body}A`,
      `tsr_svc_${body}=`,
      `tsr_svc_${body.slice(1)}!`,
      `tsr_svc_${body.slice(1)} `,
      ` tsr_svc_${body}`,
      `tsr_svc_${body.slice(0, 42)}B`,
    ];

    for (const token of malformed) {
      expect(tokenKind(token), JSON.stringify(token)).toBeNull();
    }
  });
});

describe('tokenHint', () => {
  it('keeps the prefix and four characters', () => {
    const token = generateToken('service');

    expect(tokenHint(token)).toBe(`${token.slice(0, 12)}…`);
    expect(tokenHint(token).length).toBe('tsr_svc_'.length + 5);
  });

  it('shows nothing of a malformed token', () => {
    expect(tokenHint('hunter2-is-my-password')).toBe('(not a Tresor token)');
  });
});
