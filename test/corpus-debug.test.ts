import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { it } from 'vitest';
import { parseJsonReply } from '../src/output/parse-json-reply.js';

it('debug', () => {
  const cases = readFileSync('../shared/corpus/cases.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  let ok = 0; let total = 0; const out: string[] = [];
  for (const c of cases) {
    if (c.expected === null) continue;
    total++;
    const r = parseJsonReply(c.input);
    const v = r.ok ? r.value : { ERR: r.issues };
    if (isDeepStrictEqual(v, c.expected)) ok++;
    else out.push(`=== ${c.id} ${c.category} ${c.schema_coerced ? 'SC' : ''}\nIN: ${JSON.stringify(c.input).slice(0, 400)}\nGOT: ${JSON.stringify(v).slice(0, 400)}\nEX:  ${JSON.stringify(c.expected).slice(0, 400)}`);
  }
  out.push(`TOTAL ${ok}/${total}`);
  require('node:fs').writeFileSync('/tmp/exp/fails.txt', out.join('\n'));
});
