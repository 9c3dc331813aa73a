import { describe, expect, it } from 'vitest';

import { generateToken } from '../../src/crypto/tokens.js';
import { detectAwsKeys } from '../../src/scan/aws-key-detector.js';
import { redactSecret } from '../../src/scan/detection.js';
import { createLineLocator } from '../../src/scan/line-locator.js';
import { detectPrivateKeys } from '../../src/scan/private-key-detector.js';
import { detectTresorTokens } from '../../src/scan/tresor-token-detector.js';
import { FAKE_AWS_ACCESS_KEY_ID, FAKE_AWS_SECRET_ACCESS_KEY, fakePem, fakeServiceAccountJson, KEY_BODY_LINES, pemMarker } from './fixtures.js';

const KEY_BODY = KEY_BODY_LINES.join('');

describe('detectPrivateKeys', () => {
  it.each([
    ['PKCS#8 on separate lines', fakePem()],
    ['RSA on separate lines', fakePem('RSA ')],
    ['RSA flattened onto one line', `private_key=${fakePem('RSA ', ' ')}`],
    ['OPENSSH with CRLF line ends', fakePem('OPENSSH ', '\r\n')],
    ['EC indented in YAML', `tls:\n  key: |\n    ${fakePem('EC ', '\n    ')}\n`],
    ['PKCS#8 in a JSON string', fakeServiceAccountJson()],
  ])('finds %s', (_shape, text) => {
    const detections = detectPrivateKeys(text);

    expect(detections).toHaveLength(1);
    expect(detections[0]!.kind).toBe('private key');
    expect(detections[0]!.secret).toBe(KEY_BODY);
    expect(detections[0]!.index).toBe(text.indexOf(pemMarker('BEGIN').slice(0, 11)));
  });

  it('skips encryption headers before the body', () => {
    const text = [pemMarker('BEGIN', 'RSA '), 'Proc-Type: 4,ENCRYPTED', 'DEK-Info: AES-128-CBC,0123456789ABCDEF', '', ...KEY_BODY_LINES, pemMarker('END', 'RSA ')].join('\n');

    expect(detectPrivateKeys(text).map((detection) => detection.secret)).toEqual([KEY_BODY]);
  });

  it('finds each of two keys in one text', () => {
    const text = `${fakePem()}\n\n${fakePem('RSA ')}\n`;

    const detections = detectPrivateKeys(text);

    expect(detections.map((detection) => detection.index)).toEqual([0, fakePem().length + 2]);
  });

  it('finds two keys of one label', () => {
    const text = `${fakePem('RSA ')}\n${fakePem('RSA ')}\n`;

    expect(detectPrivateKeys(text).map((detection) => detection.index)).toEqual([0, fakePem('RSA ').length + 1]);
  });

  it('finds a key after a truncated one', () => {
    const truncated = [pemMarker('BEGIN', 'RSA '), KEY_BODY_LINES[0]].join('\n');
    const text = `${truncated}\n${fakePem('RSA ')}\n`;

    expect(detectPrivateKeys(text).map((detection) => detection.index)).toEqual([truncated.length + 1]);
  });

  it('ignores many markers without an END', () => {
    const text = `${pemMarker('BEGIN')}\n`.repeat(20_000);

    expect(detectPrivateKeys(text)).toEqual([]);
  });

  it.each([
    ['a marker alone in code', `if (pem.startsWith('${pemMarker('BEGIN')}')) {\n  return true;\n}`],
    ['a placeholder body', [pemMarker('BEGIN'), '...', pemMarker('END')].join('\n')],
    ['a body in angle brackets', [pemMarker('BEGIN'), '<paste the key here>', pemMarker('END')].join('\n')],
    ['a body of 39 base64 characters', [pemMarker('BEGIN'), KEY_BODY.slice(0, 39), pemMarker('END')].join('\n')],
    ['no END marker', [pemMarker('BEGIN'), ...KEY_BODY_LINES].join('\n')],
    ['an END marker of another label', [pemMarker('BEGIN', 'RSA '), ...KEY_BODY_LINES, pemMarker('END', 'EC ')].join('\n')],
    ['a public key', fakePem().replaceAll('PRIVATE', 'PUBLIC')],
  ])('ignores %s', (_case, text) => {
    expect(detectPrivateKeys(text)).toEqual([]);
  });
});

describe('detectAwsKeys', () => {
  it.each([
    ['double quotes', `AWS_ACCESS_KEY_ID="${FAKE_AWS_ACCESS_KEY_ID}"`],
    ['single quotes', `AWS_ACCESS_KEY_ID='${FAKE_AWS_ACCESS_KEY_ID}'`],
    ['no quotes', `export AWS_ACCESS_KEY_ID=${FAKE_AWS_ACCESS_KEY_ID}`],
    ['a YAML value', `accessKeyId: ${FAKE_AWS_ACCESS_KEY_ID}`],
  ])('finds an access key id in %s', (_shape, text) => {
    const detections = detectAwsKeys(text);

    expect(detections).toEqual([{ kind: 'AWS access key id', index: text.indexOf(FAKE_AWS_ACCESS_KEY_ID), secret: FAKE_AWS_ACCESS_KEY_ID }]);
  });

  it('finds a temporary access key id', () => {
    const temporary = `ASIA${FAKE_AWS_ACCESS_KEY_ID.slice(4)}`;

    expect(detectAwsKeys(`key=${temporary}`).map((detection) => detection.secret)).toEqual([temporary]);
  });

  it.each([
    ['a longer word', `${FAKE_AWS_ACCESS_KEY_ID}X`],
    ['lowercase letters', FAKE_AWS_ACCESS_KEY_ID.toLowerCase()],
    ['digits outside base32', `AKIA${'0'.repeat(16)}`],
    ['another prefix', `AKIB${FAKE_AWS_ACCESS_KEY_ID.slice(4)}`],
  ])('ignores an access key id with %s', (_case, text) => {
    expect(detectAwsKeys(text)).toEqual([]);
  });

  it.each([
    ['single quotes', `AWS_SECRET_ACCESS_KEY='${FAKE_AWS_SECRET_ACCESS_KEY}'`],
    ['double quotes', `AWS_SECRET_ACCESS_KEY="${FAKE_AWS_SECRET_ACCESS_KEY}"`],
    ['no quotes', `AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET_ACCESS_KEY}`],
    ['an ini file', `aws_secret_access_key = ${FAKE_AWS_SECRET_ACCESS_KEY}`],
    ['JSON', `{"SecretAccessKey": "${FAKE_AWS_SECRET_ACCESS_KEY}"}`],
    ['a Ruby hash', `:aws_secret_access_key => '${FAKE_AWS_SECRET_ACCESS_KEY}'`],
    ['a value ending in a slash', `AWS_SECRET_ACCESS_KEY='${FAKE_AWS_SECRET_ACCESS_KEY.slice(1)}/'`],
  ])('finds a secret access key in %s', (_shape, text) => {
    const secret = text.includes(FAKE_AWS_SECRET_ACCESS_KEY) ? FAKE_AWS_SECRET_ACCESS_KEY : `${FAKE_AWS_SECRET_ACCESS_KEY.slice(1)}/`;

    const detections = detectAwsKeys(text);

    expect(detections).toEqual([{ kind: 'AWS secret access key', index: text.indexOf(secret), secret }]);
  });

  it.each([
    ['no assignment', FAKE_AWS_SECRET_ACCESS_KEY],
    ['another name', `DATABASE_PASSWORD='${FAKE_AWS_SECRET_ACCESS_KEY}'`],
    ['41 characters', `AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET_ACCESS_KEY}x`],
    ['39 characters', `AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET_ACCESS_KEY.slice(1)}`],
    ['a reference', 'AWS_SECRET_ACCESS_KEY=${{ secrets.AWS_SECRET_ACCESS_KEY }}'],
  ])('ignores a secret access key with %s', (_case, text) => {
    expect(detectAwsKeys(text)).toEqual([]);
  });
});

describe('detectTresorTokens', () => {
  it.each(['service', 'personal'] as const)('finds a %s token', (kind) => {
    const token = generateToken(kind);
    const text = `TRESOR_TOKEN=${token}\n`;

    expect(detectTresorTokens(text)).toEqual([{ kind: 'Tresor token', index: text.indexOf(token), secret: token }]);
  });

  it('finds a token in an Authorization header', () => {
    const token = generateToken('service');

    expect(detectTresorTokens(`Authorization: Bearer ${token}`)).toHaveLength(1);
  });

  it.each([
    ['a placeholder', 'TRESOR_TOKEN=tsr_svc_...'],
    ['42 characters', `TRESOR_TOKEN=tsr_svc_${'A'.repeat(42)}`],
    ['44 characters', `TRESOR_TOKEN=tsr_svc_${'A'.repeat(44)}`],
    ['an unknown kind', `TRESOR_TOKEN=tsr_xyz_${'A'.repeat(43)}`],
  ])('ignores %s', (_case, text) => {
    expect(detectTresorTokens(text)).toEqual([]);
  });
});

describe('redactSecret', () => {
  it('keeps the first 4 characters', () => {
    expect(redactSecret(FAKE_AWS_SECRET_ACCESS_KEY)).toBe('FAKE…');
  });

  it('hides a short secret completely', () => {
    expect(redactSecret('short-secret')).toBe('…');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(redactSecret('🔑🔑🔑🔑-and-more-than-sixteen')).toBe('🔑🔑🔑🔑…');
  });
});

describe('createLineLocator', () => {
  it('maps offsets to 1-based lines', () => {
    const text = 'one\ntwo\r\n\nfour';
    const lineOf = createLineLocator(text);

    expect([0, 3, 4, 8, 9, 10, text.length].map(lineOf)).toEqual([1, 1, 2, 2, 3, 4, 4]);
  });
});
