import { open, seal } from '../crypto/envelope.js';
import { valueContext } from '../crypto/context.js';
import type { ScopeIds } from './data-keys.js';

export interface ValueCoordinates extends ScopeIds {
  key: string;
  version: number;
  dataKeyVersion: number;
}

/** Encrypts a value for one version of one secret; the ciphertext is bound to that place. */
export function sealValue(dataKey: Buffer, at: ValueCoordinates, value: string): string {
  return seal(dataKey, Buffer.from(value, 'utf8'), valueContext(at)).toString('base64');
}

export function openValue(dataKey: Buffer, at: ValueCoordinates, ciphertext: string): string {
  return open(dataKey, Buffer.from(ciphertext, 'base64'), valueContext(at)).toString('utf8');
}
