/** Response headers as undici gives them (names in lower case). @internal */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** The first value of a response header, or `undefined`. @internal */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request id the provider put in a header (`x-request-id`, `x-dashscope-request-id`). @internal */
export function headerRequestId(headers: ResponseHeaders): string | undefined {
  return headerValue(headers, 'x-request-id') ?? headerValue(headers, 'x-dashscope-request-id');
}
