import { detectAwsKeys } from './aws-key-detector.js';
import type { Detection, Detector } from './detection.js';
import { detectPrivateKeys } from './private-key-detector.js';
import { detectWithSecretlint, type SecretlintSource } from './secretlint-detector.js';
import { detectTresorTokens } from './tresor-token-detector.js';

/** Tresor's own detectors, for the shapes that secretlint's recommended rules miss. */
export const OWN_DETECTORS: readonly Detector[] = [detectPrivateKeys, detectAwsKeys, detectTresorTokens];

/**
 * Runs Tresor's own detectors, then secretlint. The own detections come first, so when
 * both find the same kind on the same line, the finding keeps the own detector's excerpt.
 */
export async function detectSecrets(text: string, source: SecretlintSource): Promise<Detection[]> {
  const own = OWN_DETECTORS.flatMap((detect) => detect(text));
  const secretlint = await detectWithSecretlint(text, source);
  return [...own, ...secretlint];
}
