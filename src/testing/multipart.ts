/** @internal One part of a `multipart/form-data` body. */
export interface MultipartPart {
  name: string;
  filename?: string;
  content: string;
}

/**
 * @internal Splits a `multipart/form-data` body on its boundary (a test server's parser: text parts only, no
 * nested multiparts). Returns an empty list when the content type names no boundary.
 */
export function parseMultipart(body: string, contentType: string): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = boundary?.[1] ?? boundary?.[2];
  if (delimiter === undefined) return [];
  const parts: MultipartPart[] = [];
  for (const section of body.split(`--${delimiter}`).slice(1)) {
    if (section.startsWith('--')) break;
    const headerEnd = section.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const head = section.slice(0, headerEnd);
    const content = section.slice(headerEnd + 4).replace(/\r\n$/, '');
    const name = /\bname="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    const filename = /\bfilename="([^"]*)"/i.exec(head)?.[1];
    parts.push(filename === undefined ? { name, content } : { name, filename, content });
  }
  return parts;
}
