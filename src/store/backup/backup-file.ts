import { randomBytes } from 'node:crypto';
import { link, open as openFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

import { open, seal } from '../../crypto/envelope.js';
import type { Keyring } from '../../crypto/keyring.js';
import { TresorError, validationError } from '../../domain/errors.js';
import type { Dialect } from '../database.js';

/*
 * A backup file is one header line of JSON in clear text, then sealed segments, each as
 * `[4-byte big-endian length][sealed bytes]`. A segment is gzip-compressed JSON sealed
 * with AES-256-GCM under the keyring's backup key. Its AAD is the header line followed by
 * the segment's index, so a changed header, a reordered, dropped or foreign segment all
 * fail to open. The first segment is `start`, the last is `end` with the row counts, so a
 * truncated file is detected too.
 */

export const BACKUP_FORMAT = 'tresor-backup';
export const BACKUP_FORMAT_VERSION = 1;

const MAX_HEADER_BYTES = 4096;
const LENGTH_BYTES = 4;
// A segment contains one page of rows. 500 secret versions of the largest allowed value
// (64 KiB, about 88 KiB in base64) make about 44 MiB, well below this limit.
const MAX_SEGMENT_BYTES = 128 * 1024 * 1024;

/** The clear-text first line of a backup file; a restore reads it before any key is used. */
export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  /** Id of the root key whose derived backup key sealed the segments. */
  rootKeyId: string;
  /** Random id of this file, so no segment of another backup fits in. */
  backupId: string;
  /** Dialect of the database the backup was read from. */
  source: Dialect;
}

export type BackupSegment =
  | { type: 'start'; migrations: string[] }
  | { type: 'rows'; table: string; rows: Array<Record<string, unknown>> }
  | { type: 'end'; rowCounts: Record<string, number> };

/**
 * Creates the one error for a backup that fails to open, whatever the cause. AES-GCM
 * can't distinguish a changed byte, a truncated file and another root key, and the
 * operator's fix is the same for all three.
 */
export function corruptBackupError(file: string, detail = ''): TresorError {
  return validationError(
    `The backup ${file} is corrupt or was made with another root key, so nothing was restored.${detail} ` +
      "Restore it with the root key it was made with (TRESOR_ROOT_KEY, TRESOR_ROOT_KEY_FILE or the data folder's root.key), or use another backup.",
  );
}

/**
 * Writes a backup to a temporary file beside the output, which becomes the output only
 * when `finish` succeeds. The file is created with mode 0600, and an existing output is
 * never overwritten.
 */
export class BackupWriter {
  private index = 0;
  private bytes = 0;

  private constructor(
    private readonly handle: FileHandle,
    private readonly temporaryPath: string,
    private readonly outputPath: string,
    private readonly key: Buffer,
    private readonly headerLine: Buffer,
  ) {}

  static async create(outputPath: string, keyring: Keyring, source: Dialect): Promise<BackupWriter> {
    const output = path.resolve(outputPath);
    await assertOutputAbsent(output);
    const key = keyring.backupKey();
    if (key === null) {
      throw new Error('The keyring has no backup key for its primary root key.');
    }

    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      version: BACKUP_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      rootKeyId: keyring.primaryKeyId,
      backupId: randomBytes(16).toString('hex'),
      source,
    };
    const headerLine = Buffer.from(`${JSON.stringify(header)}\n`, 'utf8');

    const temporaryPath = `${output}.${randomBytes(6).toString('hex')}.partial`;
    let handle: FileHandle;
    try {
      handle = await openFile(temporaryPath, 'wx', 0o600);
    } catch (error) {
      throw validationError(`Can't create the backup file in ${path.dirname(output)} (${codeOf(error)}). Choose an --output in a folder this user can write to.`);
    }
    const writer = new BackupWriter(handle, temporaryPath, output, key, headerLine);
    await writer.append(headerLine);
    return writer;
  }

  /** The size of the file so far, in bytes. */
  get size(): number {
    return this.bytes;
  }

  async write(segment: BackupSegment): Promise<void> {
    const plaintext = gzipSync(Buffer.from(JSON.stringify(segment), 'utf8'));
    const sealed = seal(this.key, plaintext, segmentContext(this.headerLine, this.index));
    const length = Buffer.alloc(LENGTH_BYTES);
    length.writeUInt32BE(sealed.length);
    await this.append(Buffer.concat([length, sealed]));
    this.index += 1;
  }

  /** Flushes the file to disk and moves it to the output path; fails if that path exists by now. */
  async finish(): Promise<string> {
    await this.handle.sync();
    await this.handle.close();
    try {
      await link(this.temporaryPath, this.outputPath);
    } catch (error) {
      if (codeOf(error) === 'EEXIST') {
        throw outputExistsError(this.outputPath);
      }
      throw error;
    } finally {
      await unlink(this.temporaryPath);
    }
    await syncDirectory(path.dirname(this.outputPath));
    return this.outputPath;
  }

  /** Closes and deletes the temporary file after a failure. */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.temporaryPath).catch(() => undefined);
  }

  private async append(data: Buffer): Promise<void> {
    await this.handle.write(data);
    this.bytes += data.length;
  }
}

/** Reads a backup segment by segment, checking each one's seal before returning it. */
export class BackupReader {
  private index = 0;
  private position: number;

  private constructor(
    private readonly handle: FileHandle,
    private readonly file: string,
    private readonly key: Buffer,
    private readonly headerLine: Buffer,
    readonly header: BackupHeader,
  ) {
    this.position = headerLine.length;
  }

  /**
   * Opens a backup file and reads its header. Throws the corrupt-backup error when the
   * header is unreadable or names a root key that is not in the keyring.
   */
  static async open(inputPath: string, keyring: Keyring): Promise<BackupReader> {
    const file = path.resolve(inputPath);
    let handle: FileHandle;
    try {
      handle = await openFile(file, 'r');
    } catch (error) {
      throw validationError(`Can't read the backup ${file} (${codeOf(error)}). Check the --input path and its permissions.`);
    }

    try {
      const start = Buffer.alloc(MAX_HEADER_BYTES);
      const { bytesRead } = await handle.read(start, 0, MAX_HEADER_BYTES, 0);
      const end = start.subarray(0, bytesRead).indexOf(0x0a);
      if (end < 0) {
        throw corruptBackupError(file);
      }
      const headerLine = Buffer.from(start.subarray(0, end + 1));
      const header = parseHeader(headerLine, file);

      const key = keyring.backupKey(header.rootKeyId);
      if (key === null) {
        throw corruptBackupError(file, ` It names root key id ${header.rootKeyId}, but the root key in use has id ${keyring.primaryKeyId}.`);
      }
      return new BackupReader(handle, file, key, headerLine, header);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Returns the next segment, or null at the end of the file. */
  async next(): Promise<BackupSegment | null> {
    const length = Buffer.alloc(LENGTH_BYTES);
    const lengthRead = await this.readAt(length);
    if (lengthRead === 0) {
      return null;
    }
    const sealedLength = length.readUInt32BE(0);
    if (lengthRead < LENGTH_BYTES || sealedLength === 0 || sealedLength > MAX_SEGMENT_BYTES) {
      throw corruptBackupError(this.file);
    }

    const sealed = Buffer.alloc(sealedLength);
    if ((await this.readAt(sealed)) < sealedLength) {
      throw corruptBackupError(this.file);
    }

    let segment: unknown;
    try {
      const plaintext = open(this.key, sealed, segmentContext(this.headerLine, this.index));
      segment = JSON.parse(gunzipSync(plaintext).toString('utf8'));
    } catch {
      throw corruptBackupError(this.file);
    }
    this.index += 1;
    if (!isSegment(segment)) {
      throw corruptBackupError(this.file);
    }
    return segment;
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  private async readAt(buffer: Buffer): Promise<number> {
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await this.handle.read(buffer, filled, buffer.length - filled, this.position);
      if (bytesRead === 0) {
        break;
      }
      filled += bytesRead;
      this.position += bytesRead;
    }
    return filled;
  }
}

function parseHeader(headerLine: Buffer, file: string): BackupHeader {
  let header: Partial<BackupHeader>;
  try {
    header = JSON.parse(headerLine.toString('utf8')) as Partial<BackupHeader>;
  } catch {
    throw corruptBackupError(file);
  }
  if (header === null || typeof header !== 'object' || header.format !== BACKUP_FORMAT) {
    throw corruptBackupError(file, ' It does not start with a Tresor backup header.');
  }
  if (header.version !== BACKUP_FORMAT_VERSION) {
    throw corruptBackupError(file, ` Its format version ${String(header.version)} is not one this Tresor reads (${BACKUP_FORMAT_VERSION}).`);
  }
  const complete =
    typeof header.createdAt === 'string' &&
    typeof header.rootKeyId === 'string' &&
    typeof header.backupId === 'string' &&
    (header.source === 'sqlite' || header.source === 'postgres');
  if (!complete) {
    throw corruptBackupError(file);
  }
  return header as BackupHeader;
}

function isSegment(value: unknown): value is BackupSegment {
  if (value === null || typeof value !== 'object') {
    return false;
  }
  const segment = value as Record<string, unknown>;
  switch (segment['type']) {
    case 'start':
      return Array.isArray(segment['migrations']) && segment['migrations'].every((name) => typeof name === 'string');
    case 'rows':
      return typeof segment['table'] === 'string' && Array.isArray(segment['rows']) && segment['rows'].every((row) => row !== null && typeof row === 'object');
    case 'end':
      return segment['rowCounts'] !== null && typeof segment['rowCounts'] === 'object';
    default:
      return false;
  }
}

function segmentContext(headerLine: Buffer, index: number): Buffer {
  const position = Buffer.alloc(4);
  position.writeUInt32BE(index);
  return Buffer.concat([headerLine, position]);
}

async function assertOutputAbsent(output: string): Promise<void> {
  const existing = await stat(output).catch(() => null);
  if (existing !== null) {
    throw outputExistsError(output);
  }
}

function outputExistsError(output: string): TresorError {
  return validationError(`The backup file ${output} already exists. Choose another --output, or move the old backup away first.`);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await openFile(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function codeOf(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'unknown error';
}
