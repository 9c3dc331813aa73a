/**
 * Returns the system error code of a network failure (ECONNREFUSED, ENOTFOUND, ...).
 * Callers show only the code, because the error's message may quote request data.
 */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    return code;
  }

  // Connecting to several addresses (IPv4 and IPv6) fails with an AggregateError.
  if (Array.isArray(errors)) {
    return systemErrorCode(errors[0]);
  }
  return undefined;
}
