/**
 * Splits a server-sent-events byte stream into the `data` of each event (multi-line data joined with `\n`).
 * Comments, `event:`/`id:` fields and empty events are skipped; LF, CRLF and CR line ends are accepted.
 * @internal
 */
export async function* readSse(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let dataLines: string[] = [];
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let lineEnd = findLineEnd(buffer);
    while (lineEnd !== -1) {
      const line = buffer.slice(0, lineEnd);
      // A CR at the very end of the buffer may be the first half of a CRLF: wait for the next chunk.
      if (buffer[lineEnd] === '\r' && lineEnd === buffer.length - 1) break;
      buffer = buffer.slice(buffer[lineEnd] === '\r' && buffer[lineEnd + 1] === '\n' ? lineEnd + 2 : lineEnd + 1);
      if (line === '') {
        if (dataLines.length > 0) yield dataLines.join('\n');
        dataLines = [];
      } else if (line.startsWith('data:')) {
        dataLines.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
      lineEnd = findLineEnd(buffer);
    }
  }
  buffer += decoder.decode();
  if (buffer.startsWith('data:')) dataLines.push(buffer.slice(buffer.startsWith('data: ') ? 6 : 5).replace(/\r$/, ''));
  if (dataLines.length > 0) yield dataLines.join('\n');
}

function findLineEnd(text: string): number {
  const newline = text.indexOf('\n');
  const carriageReturn = text.indexOf('\r');
  if (carriageReturn === -1) return newline;
  if (newline === -1) return carriageReturn;
  return Math.min(newline, carriageReturn);
}
