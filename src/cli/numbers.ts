import { UsageError } from './errors.js';

/** Parses a whole-number flag such as --if-version, or throws a UsageError naming the flag. */
export function parseWholeNumber(text: string, flag: string, minimum: number): number {
  const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < minimum) {
    throw new UsageError(`Invalid ${flag} ${JSON.stringify(text)}: use a whole number from ${minimum} up.`);
  }
  return number;
}
