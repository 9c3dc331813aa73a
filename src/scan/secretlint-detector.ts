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

/**
 * Runs secretlint's recommended rules on a text that is already in memory.
 * NOTE: the GCP rule reads a `.p12` file from disk again. The scanner skips binary
 * files before this point, so that only happens for a `.p12` file without a NUL byte.
 */
export async function detectWithSecretlint(text: string, source: SecretlintSource): Promise<Detection[]> {
  const result = await lintSource({
    source: { content: text, filePath: source.filePath, ext: source.ext, contentType: 'text' },
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
