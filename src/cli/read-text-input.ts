import { readFile } from 'node:fs/promises';
import { UsageError } from './usage-error.js';

/** Where a one-off command's text can come from. @internal */
export interface TextInputSource {
  /** The command's positional arguments: at most one, the text itself or `-` for stdin. */
  positionals: readonly string[];
  /** `--file`: a path, or `-` for stdin. */
  file: string | undefined;
  stdin: NodeJS.ReadableStream;
  command: string;
}

/**
 * Reads the input text of a one-off command: the positional argument, the file named by `--file`, or stdin when
 * either is `-`. Exactly one source must be given (no implicit stdin, so a forgotten argument never hangs).
 * @internal
 */
export async function readTextInput({ positionals, file, stdin, command }: TextInputSource): Promise<string> {
  if (positionals.length > 1) {
    throw new UsageError(`expected one text argument, got ${positionals.length}: quote the text`, { command });
  }
  const [positional] = positionals;
  if (positional !== undefined && file !== undefined) {
    throw new UsageError('give the text as an argument or with --file, not both', { command });
  }
  const source = positional ?? file;
  if (source === undefined) {
    throw new UsageError('no text: give it as an argument, with --file PATH, or "-" to read stdin', { command });
  }
  if (source === '-') return readStream(stdin);
  if (positional !== undefined) return positional;
  return readTextFile(source, '--file', command);
}

/** Reads a UTF-8 file named by a flag, without its byte-order mark; a failure is a {@link UsageError}. @internal */
export async function readTextFile(path: string, flag: string, command: string): Promise<string> {
  try {
    return stripByteOrderMark(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${path}: ${describeFileError(error)}`, { command, cause: error });
  }
}

/** A short reason for a failed file read. @internal */
export function describeFileError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return stripByteOrderMark(Buffer.concat(chunks).toString('utf8'));
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
