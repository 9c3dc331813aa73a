import { lintSource } from '@secretlint/core';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';

import type { Detection } from './detection.js';

type SecretlintMessage = Awaited<ReturnType<typeof lintSource>>['messages'][number];

const CONFIG = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendedPreset }] };

// Message ids of the recommended preset of secretlint 11.7, named with the words `tresor
// scan` uses for its own detectors. An id missing here is shown by its rule id.
const KIND_BY_MESSAGE_ID: Readonly<Record<string, string>> = {
  AWSAccessKeyID: 'AWS access key id',
  AWSSecretAccessKey: 'AWS secret access key',
  AWSAccountID: 'AWS account id',
  PrivateKey: 'private key',
  PrivateKeyJSON: 'GCP service account key',
  PrivateKeyP12: 'GCP service account key',
  GITHUB_TOKEN: 'GitHub token',
  PackageJSON_xOauthToken: 'GitHub token',
  Npmrc_authToken: 'npm token',
  NPM_ACCESS_TOKEN: 'npm token',
  SLACK_TOKEN: 'Slack token',
  IncomingWebhook: 'Slack webhook URL',
  BasicAuth: 'URL with a password',
  MongoDBConnection: 'database URL with a password',
  MySQLConnection: 'database URL with a password',
  PostgreSQLConnection: 'database URL with a password',
  OPENAI_TOKEN: 'OpenAI API key',
  ANTHROPIC_API_KEY: 'Anthropic API key',
  LINEAR_API_TOKEN: 'Linear API key',
  SENDGRID_KEY: 'SendGrid API key',
  SHOPIFY_KEY: 'Shopify API key',
  OPS_TOKEN: '1Password service account token',
};

// The fields of a message's data that hold the matched secret. Others, such as FILE_NAME
// or typeName, only describe it.
const SECRET_DATA_FIELDS = ['KEY', 'TOKEN', 'ID', 'URI', 'URL', 'CREDENTIAL'];

/** The file path and extension that secretlint picks rules by: the GCP rule runs on `.json`, the npm rule on `.npmrc`. */
export interface SecretlintSource {
  filePath: string;
  ext: string;
}

// File name endings that the npm rule of the recommended preset (secretlint 11.7) selects
// by: it looks for GitHub tokens in package.json and package-lock.json, and for auth
// tokens in `.npmrc`.
const RULE_FILE_ENDINGS = ['package-lock.json', 'package.json', '.npmrc'];

const PLACEHOLDER_PATH = 'scanned-file';

/**
 * Builds the path and extension passed to secretlint for a file: a fixed placeholder that keeps
 * only the name ending and the extension its rules select by.
 *
 * The real path never reaches secretlint, because its profiler (11.7) names performance
 * marks after the path and parses them back with a regular expression. A path with a line
 * break, or with "::end" in it, makes that parse fail, and the error is thrown from a
 * promise that no caller can catch, which ends the process. A `.p12` file loses its
 * extension, because the GCP rule would read the placeholder path from disk. Such a file
 * is binary, so the scanner has skipped it already unless it lacks a NUL byte.
 */
export function secretlintPlaceholder(source: SecretlintSource): SecretlintSource {
  const ending = RULE_FILE_ENDINGS.find((candidate) => source.filePath.endsWith(candidate));
  const filePath = ending === undefined ? PLACEHOLDER_PATH : `${PLACEHOLDER_PATH}/${ending}`;
  const ext = source.ext === '.p12' ? '' : source.ext;
  return { filePath, ext };
}

/** Runs secretlint's recommended rules on a text that is already in memory. */
export async function detectWithSecretlint(text: string, source: SecretlintSource): Promise<Detection[]> {
  const result = await lintSource({
    source: { content: text, ...secretlintPlaceholder(source), contentType: 'text' },
    options: { config: CONFIG },
  });

  return result.messages.map((message) => ({
    kind: KIND_BY_MESSAGE_ID[message.messageId] ?? `secret found by ${message.ruleId}`,
    index: message.range[0],
    secret: matchedSecret(message, text),
  }));
}

// The message text repeats the secret, so only the data field is read. Some rules report a
// range that starts at the variable name rather than the value, so the range comes second.
function matchedSecret(message: SecretlintMessage, text: string): string {
  const data: Record<string, unknown> = message.data ?? {};
  for (const field of SECRET_DATA_FIELDS) {
    const value = data[field];
    if (typeof value === 'string' && value !== '') {
      return value;
    }
  }
  return text.slice(message.range[0], message.range[1]);
}
