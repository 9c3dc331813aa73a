import { deflateSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { decodeBase64Text, findBase64Values } from '../../src/scan/base64-values.js';
import { findSecretsInText } from '../../src/scan/find-secrets-in-text.js';
import { FAKE_AWS_ACCESS_KEY_ID, FAKE_AWS_SECRET_ACCESS_KEY, fakePem, fakeServiceAccountJson, KEY_BODY_LINES } from './fixtures.js';

const TEXT_SOURCE = { filePath: '/repository/settings.env', ext: '.env' };

// A GitHub token shape that secretlint reports and Tresor's own detectors do not.
const FAKE_GITHUB_TOKEN = ['ghp', '_', 'FAKEgithubTOKENforTESTSonly012345678'].join('');

function toBase64(text: string): string {
  return Buffer.from(text).toString('base64');
}

describe('decodeBase64Text', () => {
  const readable = 'a sentence that is long enough to be worth decoding';

  it.each([
    ['padded base64', toBase64(readable)],
    ['unpadded base64', toBase64(readable).replace(/=+$/, '')],
    ['base64url', Buffer.from(`${readable}??>>`).toString('base64url')],
  ])('decodes %s', (_encoding, encoded) => {
    expect(decodeBase64Text(encoded)).toMatch(/^a sentence that is long enough to be worth decoding/);
  });

  it.each([
    ['binary bytes', deflateSync(Buffer.from(readable.repeat(3))).toString('base64')],
    ['control characters', toBase64(`${readable}\u0001`)],
    ['invalid UTF-8', Buffer.concat([Buffer.from(readable), Buffer.from([0xc3, 0x28])]).toString('base64')],
    ['wrong padding', `${toBase64(readable).replace(/=+$/, '')}x=`],
    ['a length of 4n+1', `${toBase64(readable.slice(0, 48))}A`],
    ['both alphabets', `${Buffer.from(`${readable}??>>`).toString('base64url')}+/`],
    ['non-zero trailing bits', `${toBase64('ab').slice(0, 2)}R=`.padStart(36, 'QUJD')],
  ])('rejects %s', (_case, encoded) => {
    expect(decodeBase64Text(encoded)).toBeNull();
  });
});

describe('findBase64Values', () => {
  it('finds values of 32 characters or more', () => {
    const long = toBase64('twenty-four bytes of txt');
    const short = toBase64('twenty-three bytes text');
    const text = `LONG=${long}\nSHORT=${short}\n`;

    expect(long).toHaveLength(32);
    expect(findBase64Values(text)).toEqual([{ index: 5, encoded: long, decoded: 'twenty-four bytes of txt' }]);
  });

  it('skips a PNG data URI', () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), deflateSync(Buffer.alloc(200, 7))]);

    expect(findBase64Values(`<img src="data:image/png;base64,${png.toString('base64')}">`)).toEqual([]);
  });
});

describe('findSecretsInText', () => {
  it('reports the line of each secret', async () => {
    const text = `# settings\nAWS_ACCESS_KEY_ID=${FAKE_AWS_ACCESS_KEY_ID}\n\n${fakePem()}\n`;

    const findings = await findSecretsInText(text, TEXT_SOURCE);

    expect(findings).toEqual([
      { line: 2, kind: 'AWS access key id', excerpt: 'AKIA…' },
      { line: 4, kind: 'private key', excerpt: 'RkFL…' },
    ]);
  });

  it('reports a secret found by both scanners once', async () => {
    const text = `AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET_ACCESS_KEY}\n`;

    const findings = await findSecretsInText(text, TEXT_SOURCE);

    expect(findings).toEqual([{ line: 1, kind: 'AWS secret access key', excerpt: 'FAKE…' }]);
  });

  it('keeps two kinds on one line apart', async () => {
    const text = `AWS_ACCESS_KEY_ID=${FAKE_AWS_ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET_ACCESS_KEY}\n`;

    const findings = await findSecretsInText(text, TEXT_SOURCE);

    expect(findings.map((finding) => finding.kind)).toEqual(['AWS access key id', 'AWS secret access key']);
  });

  it('reports what only secretlint finds', async () => {
    const findings = await findSecretsInText(`\nGITHUB_TOKEN=${FAKE_GITHUB_TOKEN}\n`, TEXT_SOURCE);

    expect(findings).toEqual([{ line: 2, kind: 'GitHub token', excerpt: 'ghp_…' }]);
  });

  it('decodes base64 once', async () => {
    const encoded = toBase64(fakeServiceAccountJson());
    const text = `# service account\nGCP_SA_B64=${encoded}\n`;

    const findings = await findSecretsInText(text, TEXT_SOURCE);

    expect(findings).toEqual([{ line: 2, kind: 'private key (found after base64-decoding)', excerpt: `${encoded.slice(0, 4)}…` }]);
  });

  it('decodes a Kubernetes Secret value', async () => {
    const manifest = [
      'apiVersion: v1',
      'kind: Secret',
      'data:',
      `  LOG_LEVEL: ${toBase64('a harmless value that is long enough')}`,
      `  GITHUB_TOKEN: ${toBase64(FAKE_GITHUB_TOKEN)}`,
      `  AWS_ACCESS_KEY_ID: ${toBase64(`id=${FAKE_AWS_ACCESS_KEY_ID} for the deploy user`)}`,
    ].join('\n');

    const findings = await findSecretsInText(manifest, { filePath: '/repository/secret.yaml', ext: '.yaml' });

    expect(findings.map((finding) => [finding.line, finding.kind])).toEqual([
      [5, 'GitHub token (found after base64-decoding)'],
      [6, 'AWS access key id (found after base64-decoding)'],
    ]);
  });

  it('does not decode base64 twice', async () => {
    const twice = toBase64(toBase64(fakePem()));

    expect(await findSecretsInText(`NESTED=${twice}\n`, TEXT_SOURCE)).toEqual([]);
  });

  it('finds nothing in harmless base64', async () => {
    const text = [
      `GREETING=${toBase64('Hello, this is plain text without anything secret in it.')}`,
      `RANDOM=${Buffer.from(Array.from({ length: 48 }, (_unused, index) => (index * 73 + 11) % 256)).toString('base64')}`,
      `ICON=data:image/png;base64,${Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), deflateSync(Buffer.alloc(300, 1))]).toString('base64')}`,
      `INTEGRITY=sha512-${Buffer.alloc(64, 0xab).toString('base64')}`,
    ].join('\n');

    expect(await findSecretsInText(text, TEXT_SOURCE)).toEqual([]);
  });

  it('never puts a key body in an excerpt', async () => {
    const text = `${fakePem('RSA ', ' ')}\nB64=${toBase64(fakePem())}\n`;

    const findings = await findSecretsInText(text, TEXT_SOURCE);

    expect(findings).toHaveLength(2);
    for (const finding of findings) {
      expect(finding.excerpt).toMatch(/^[A-Za-z0-9+/]{4}…$/);
    }
    const output = JSON.stringify(findings);
    expect(output).not.toContain(KEY_BODY_LINES[0]);
    expect(output).not.toContain(KEY_BODY_LINES[1]);
  });
});
