import { Writable } from 'node:stream';

import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { expect, test } from 'vitest';

import { deferredRequestLogger } from '../../src/server/request-logger.js';

// Each request's logger makes its pino child only when the request logs at an enabled level.

function capturingParent(level: string): { parent: Logger; lines: Array<Record<string, unknown>>; children: () => number } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const parent = pino({ level, redact: ['*.token'] }, sink);
  let childCount = 0;
  const makeChild = parent.child.bind(parent);
  parent.child = ((bindings, options) => {
    childCount += 1;
    return makeChild(bindings, options);
  }) as Logger['child'];
  return { parent, lines, children: () => childCount };
}

function requestLogger(parent: Logger, options: { level?: string } = {}) {
  return deferredRequestLogger.call({} as FastifyInstance, parent, { reqId: 'req-7' }, options);
}

test('disabled levels make no child', () => {
  const { parent, lines, children } = capturingParent('info');
  const logger = requestLogger(parent, { level: 'warn' });

  logger.info('incoming request');
  logger.debug('details');

  expect(logger.level).toBe('warn');
  expect(children()).toBe(0);
  expect(lines).toEqual([]);
});

test('enabled level logs with the request id', () => {
  const { parent, lines, children } = capturingParent('info');
  const logger = requestLogger(parent);

  logger.info({ user: { token: 'tsr_pat_secret' } }, 'request completed');
  logger.error('failed');

  expect(children()).toBe(1);
  expect(lines.map((line) => [line['reqId'], line['msg']])).toEqual([
    ['req-7', 'request completed'],
    ['req-7', 'failed'],
  ]);
  expect(JSON.stringify(lines)).not.toContain('tsr_pat_secret');
});

test('silent level logs nothing', () => {
  const { parent, lines } = capturingParent('info');
  const logger = requestLogger(parent, { level: 'silent' });

  logger.fatal('never');

  expect(lines).toEqual([]);
});
