import { createReadStream } from 'node:fs';

/** One line of a file, without its line break. @internal */
export interface FileLine {
  text: string;
  /** 1-based line number. */
  lineNumber: number;
  /** Whether a `\n` ended the line (only the last line of a file can lack one). */
  complete: boolean;
  /** Byte offset just after the line and its line break. */
  endOffset: number;
}

const NEWLINE = 0x0a;

/**
 * Streams a file line by line, tracking byte offsets so that a caller can cut a torn last line off. A `\r` before
 * the `\n` and a byte-order mark are removed. Memory holds one chunk and one line at a time. @internal
 */
export async function* readFileLines(path: string): AsyncGenerator<FileLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let offset = 0;
  let lineNumber = 0;
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer;
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      const piece = buffer.subarray(start, end);
      const line = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]);
      offset += line.byteLength + 1;
      lineNumber += 1;
      pending = [];
      pendingBytes = 0;
      yield { text: decode(line, lineNumber), lineNumber, complete: true, endOffset: offset };
      start = end + 1;
    }
    if (start < buffer.byteLength) {
      // Copy: the stream may reuse its chunk buffers.
      pending.push(Buffer.from(buffer.subarray(start)));
      pendingBytes += buffer.byteLength - start;
    }
  }
  if (pendingBytes > 0) {
    const line = Buffer.concat(pending);
    lineNumber += 1;
    yield { text: decode(line, lineNumber), lineNumber, complete: false, endOffset: offset + line.byteLength };
  }
}

/** Decodes a line; drops a trailing `\r` and the byte-order mark of the first line. */
function decode(line: Buffer, lineNumber: number): string {
  let text = line.toString('utf8');
  if (lineNumber === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}
