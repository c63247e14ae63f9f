import { parseTextReply } from '../../output/index.js';
import { textInstruction } from '../../prompt/index.js';
import { contentOf, type FormatStrategy } from './format-strategy.js';

/** `text` format: plain text, at most `maxWords`. @internal */
export const textFormat: FormatStrategy = {
  instruction: (task) => textInstruction(task.maxWords === undefined ? {} : { maxWords: task.maxWords }),
  request: () => ({}),
  renderExample: (output) => String(output),
  createParser(task) {
    const options = task.maxWords === undefined ? {} : { maxWords: task.maxWords };
    return (reply) => parseTextReply(reply, options);
  },
  replyText: contentOf,
};
