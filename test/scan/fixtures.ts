import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Fake key material for the scanner's tests. The markers and values are assembled at run
 * time, so this repository's own files hold no text that `tresor scan` reports.
 */

/** Base64 of "FAKE-KEY-MATERIAL-FOR-TESTS-ONLY-..." in the line lengths of a PEM body. */
export const KEY_BODY_LINES = [
  'RkFLRS1LRVktTUFURVJJQUwtRk9SLVRFU1RTLU9OTFktRkFLRS1LRVktTUFURVJJ',
  'QUwtRk9SLVRFU1RTLU9OTFktRkFLRS1LRVktTUFURVJJQUwtRk9SLVRFU1RTLU9O',
  'TFkt',
] as const;

export const FAKE_AWS_ACCESS_KEY_ID = ['AKIA', 'FAKE2TESTONLY7QX'].join('');
export const FAKE_AWS_SECRET_ACCESS_KEY = ['FAKEsecretKEY', 'forTESTSonly/0123456789abcd'].join('');

/** Builds a marker such as `-----BEGIN RSA PRIVATE KEY-----`. The label is `''` for PKCS#8, else a word and a space. */
export function pemMarker(edge: 'BEGIN' | 'END', label = ''): string {
  const dashes = '-'.repeat(5);
  return `${dashes}${edge} ${label}PRIVATE KEY${dashes}`;
}

/** Builds a PEM private key with the fake body, its lines joined by `separator`. */
export function fakePem(label = '', separator = '\n'): string {
  return [pemMarker('BEGIN', label), ...KEY_BODY_LINES, pemMarker('END', label)].join(separator);
}

/** Builds a GCP service account file whose private key has `\n` escapes in its JSON string. */
export function fakeServiceAccountJson(): string {
  const escapedPem = `${fakePem('', '\\n')}\\n`;
  return `{"type":"service_account","project_id":"demo-fake","private_key":"${escapedPem}","client_email":"ci@demo-fake.iam.example.internal"}\n`;
}

/** Builds the five files of the scanner's acceptance case, by name. */
export function leakedSecretFiles(): Record<string, string> {
  const serviceAccount = fakeServiceAccountJson();
  return {
    'oneline.env': `private_key=${fakePem('RSA ', ' ')}\n`,
    'sa.json': serviceAccount,
    'pkcs8.pem': `${fakePem()}\n`,
    'sa-b64.env': `GCP_SA_B64=${Buffer.from(serviceAccount).toString('base64')}\n`,
    'quoted-aws.env': `AWS_ACCESS_KEY_ID="${FAKE_AWS_ACCESS_KEY_ID}"\nAWS_SECRET_ACCESS_KEY='${FAKE_AWS_SECRET_ACCESS_KEY}'\n`,
  };
}

/** A temporary folder that a test fills with files and removes afterwards. */
export interface TempFolder {
  root: string;
  write(relativePath: string, content: string | Buffer): Promise<string>;
  remove(): Promise<void>;
}

export async function createTempFolder(): Promise<TempFolder> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tresor-scan-'));
  return {
    root,
    async write(relativePath, content) {
      const filePath = path.join(root, relativePath);
      await mkdir(path.dirname(filePath), { recursive: true });
      await writeFile(filePath, content);
      return filePath;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
