/** An item waiting for a call: its place in the caller's list, its text and its cache key. @internal */
export interface PendingItem {
  index: number;
  text: string;
  tokens: number;
  key: string | undefined;
}

/**
 * The most items in one pack: 26 + 26 × 26, so every item's letter code (`A` … `ZZ`) has one or two letters, all
 * the reply parser reads. @internal
 */
export const MAX_PACK_ITEMS = 702;

/**
 * Splits items, in order, into packs whose texts total at most `maxPackTokens` estimated tokens and that hold at
 * most {@link MAX_PACK_ITEMS} items. An item larger than the budget gets a pack of its own (which the caller sends as
 * a plain one-item call). @internal
 */
export function packedGroups(items: readonly PendingItem[], maxPackTokens: number): PendingItem[][] {
  const groups: PendingItem[][] = [];
  let current: PendingItem[] = [];
  let tokens = 0;
  for (const item of items) {
    if (current.length === MAX_PACK_ITEMS || (current.length > 0 && tokens + item.tokens > maxPackTokens)) {
      groups.push(current);
      current = [];
      tokens = 0;
    }
    current.push(item);
    tokens += item.tokens;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
