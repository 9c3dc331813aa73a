import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

/**
 * Makes each request's logger for Fastify. pino makes a child logger by running the
 * request id through the redaction paths, and under delivery load that made about an
 * eighth of the bytes the server allocated, although a successful delivery logs nothing at
 * the default level. This logger makes the child only when the request first logs at an
 * enabled level.
 */
export function deferredRequestLogger(
  this: FastifyInstance,
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new DeferredChildLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger;
}

class DeferredChildLogger {
  private created: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.created?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.child().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  silent(): void {}

  /** Returns the request's pino child, with further bindings when given. */
  child(bindings?: Bindings, options?: ChildLoggerOptions): Logger {
    this.created ??= this.parent.child(this.bindings, this.options);
    return bindings === undefined ? this.created : this.created.child(bindings, options);
  }

  private write(level: Level, args: unknown[]): void {
    const values = this.parent.levels.values;
    // A level missing from the table, such as 'silent', enables nothing.
    const threshold = values[this.level] ?? Number.POSITIVE_INFINITY;
    if ((values[level] ?? 0) < threshold) {
      return;
    }
    const child = this.child();
    Reflect.apply(child[level], child, args);
  }
}
