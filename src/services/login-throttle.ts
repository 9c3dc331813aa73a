import { TresorError } from '../domain/errors.js';

export interface LoginThrottleLimits {
  /** Failed sign-ins allowed per (e-mail, address) within the window. */
  maxFailures: number;
  windowMs: number;
  /** Upper bound on tracked (e-mail, address) pairs; the oldest is forgotten first. */
  maxTracked: number;
}

const DEFAULT_LIMITS: LoginThrottleLimits = { maxFailures: 10, windowMs: 15 * 60 * 1000, maxTracked: 10_000 };

interface Failures {
  count: number;
  firstAt: number;
}

/**
 * Slows password guessing: after too many failed sign-ins for one e-mail from one address,
 * further attempts are rejected until the window has passed, without checking the password.
 *
 * NOTE: the counts live in this process, so with several server instances behind a load
 * balancer an attacker gets the limit once per instance.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly limits: LoginThrottleLimits;

  constructor(limits: Partial<LoginThrottleLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  assertAllowed(email: string, address: string | null, now = Date.now()): void {
    const entry = this.failures.get(throttleKey(email, address));
    if (entry === undefined || now - entry.firstAt > this.limits.windowMs) {
      return;
    }
    if (entry.count >= this.limits.maxFailures) {
      const minutes = Math.ceil((entry.firstAt + this.limits.windowMs - now) / 60_000);
      throw new TresorError('RATE_LIMITED', `Too many failed sign-ins for ${email}. Wait ${minutes} minute(s), then try again.`);
    }
  }

  recordFailure(email: string, address: string | null, now = Date.now()): void {
    const key = throttleKey(email, address);
    const entry = this.failures.get(key);
    if (entry === undefined || now - entry.firstAt > this.limits.windowMs) {
      this.failures.delete(key);
      if (this.failures.size >= this.limits.maxTracked) {
        const oldest = this.failures.keys().next();
        if (oldest.done !== true) {
          this.failures.delete(oldest.value);
        }
      }
      this.failures.set(key, { count: 1, firstAt: now });
      return;
    }
    entry.count += 1;
  }

  recordSuccess(email: string, address: string | null): void {
    this.failures.delete(throttleKey(email, address));
  }
}

function throttleKey(email: string, address: string | null): string {
  return `${email}\u0000${address ?? ''}`;
}
