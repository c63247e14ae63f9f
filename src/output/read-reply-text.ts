import type { RepairName } from './repair-name.js';
import { stripCodeFence } from './strip-code-fence.js';
import { stripThinking } from './strip-thinking.js';

/**
 * The part of a reply that holds the answer, for the text-based formats: reasoning stripped, trimmed, and a reply
 * that is one code fence unwrapped. Repairs made are appended to `repairs`. @internal
 */
export function readReplyText(text: string, repairs: RepairName[]): string {
  const thinking = stripThinking(text);
  if (thinking.stripped) {
    repairs.push('think');
  }
  let reply = thinking.text.trim();
  const fenced = stripCodeFence(reply);
  if (fenced !== undefined) {
    repairs.push('fence');
    reply = fenced;
  }
  return reply;
}
