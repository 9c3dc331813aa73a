/** JSON schemas shared by the routes; the OpenAPI document is generated from them. */

export const NAME_SCHEMA = { type: 'string', minLength: 1, maxLength: 63 } as const;
export const KEY_SCHEMA = { type: 'string', minLength: 1, maxLength: 256 } as const;

export const ERROR_RESPONSE = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, requestId: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

export const ERROR_RESPONSES = {
  400: ERROR_RESPONSE,
  401: ERROR_RESPONSE,
  403: ERROR_RESPONSE,
  404: ERROR_RESPONSE,
  409: ERROR_RESPONSE,
  503: ERROR_RESPONSE,
} as const;

export const APP_PARAMS = {
  type: 'object',
  properties: { app: NAME_SCHEMA },
  required: ['app'],
} as const;

export const MODULE_PARAMS = {
  type: 'object',
  properties: { app: NAME_SCHEMA, module: NAME_SCHEMA },
  required: ['app', 'module'],
} as const;

export const SCOPE_PARAMS = {
  type: 'object',
  properties: { app: NAME_SCHEMA, environment: NAME_SCHEMA, module: NAME_SCHEMA },
  required: ['app', 'environment', 'module'],
} as const;

export const SCOPE_KEY_PARAMS = {
  type: 'object',
  properties: { app: NAME_SCHEMA, environment: NAME_SCHEMA, module: NAME_SCHEMA, key: KEY_SCHEMA },
  required: ['app', 'environment', 'module', 'key'],
} as const;

export const NAME_BODY = {
  type: 'object',
  // The services check names and explain the naming rule; the schema only bounds the size.
  properties: { name: { type: 'string', maxLength: 1024 } },
  required: ['name'],
  additionalProperties: false,
} as const;

export const SECRET_METADATA = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    version: { type: 'integer' },
    updatedAt: { type: 'string' },
    updatedBy: { type: ['string', 'null'] },
  },
  required: ['key', 'version', 'updatedAt'],
} as const;

export const WRITE_RESULT = {
  type: 'object',
  properties: {
    revision: { type: 'integer' },
    changed: {
      type: 'array',
      items: { type: 'object', properties: { key: { type: 'string' }, version: { type: 'integer' } }, required: ['key', 'version'] },
    },
    unchanged: { type: 'array', items: { type: 'string' } },
  },
  required: ['revision', 'changed', 'unchanged'],
} as const;
