import type { FastifyInstance } from 'fastify';

import { TresorError } from '../domain/errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Replaces Fastify's JSON body parser with one that rejects invalid UTF-8 instead of
 * turning it into U+FFFD, because a secret value must be stored exactly as sent.
 */
export function installStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');

  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(new TresorError('VALIDATION_FAILED', 'The request body is not valid UTF-8: send JSON text encoded as UTF-8.'), undefined);
      return;
    }

    parseJson(request, text, (error, parsed) => {
      // Fastify's parser also rejects valid JSON that carries a prototype key; tell that case apart.
      if (error !== null && isValidJson(text)) {
        done(new TresorError('VALIDATION_FAILED', 'The request body contains a "__proto__" or "constructor" key, which is not accepted. Rename that key.'), undefined);
        return;
      }
      done(error, parsed);
    });
  });
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
