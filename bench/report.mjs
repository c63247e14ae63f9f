/**
 * Turns the raw results of run.mjs into results/latest.json, results/latest.md and the short README table. Every
 * figure is a median over rounds with its min–max, and also a ratio to the undici baseline of the same round.
 */
import { cpus, totalmem } from 'node:os';

const BASELINE = 'undici';
const SDKS = new Set(['openai-parse', 'openai-create', 'ai-sdk', 'instructor-tools', 'instructor-json', 'langchain']);

/** How each figure is read from a peer's results of one round. */
const METRICS = [
  { key: 'p50Ms', label: 'p50 per call (ms), sequential', read: (r) => r.sequential?.p50Ms, digits: 3 },
  { key: 'p95Ms', label: 'p95 per call (ms), sequential', read: (r) => r.sequential?.p95Ms, digits: 3 },
  { key: 'cpuUsPerCall', label: 'client CPU per call (µs), sequential', read: (r) => r.sequential?.cpuUsPerCall },
  {
    key: 'callsPerSecond',
    label: 'throughput, 200 in flight (items/s)',
    read: (r) => r.throughput?.callsPerSecond,
  },
  {
    key: 'throughputCpuUsPerCall',
    label: 'client CPU per item (µs), 200 in flight',
    read: (r) => r.throughput?.cpuUsPerCall,
  },
  {
    key: 'efficiency',
    label: 'latency-bound efficiency (2,000 calls, 64 in flight, 50 ms)',
    read: (r) => r.latency?.efficiency,
    percent: true,
  },
  { key: 'peakRssMb', label: 'peak RSS (MB), any phase', read: peakRss, digits: 0 },
  {
    key: 'corpusCallsPerValid',
    label: 'corpus: calls per valid result',
    read: (r) => (r.corpus?.valid > 0 ? r.corpus.serverRequests / r.corpus.valid : undefined),
    digits: 3,
  },
];

/** @returns {{ json: object, markdown: string, readme: string }} */
export function buildReport({ peers, settings, rounds, batchFile, tokenCounts, startedAt, loadAverage, quick }) {
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: startedAt.toISOString().slice(0, 10),
    loadAverage,
  };
  const figures = {};
  for (const peer of peers) {
    figures[peer.name] = {};
    for (const metric of METRICS) {
      const values = rounds.map((round) => readMetric(metric, round.results[peer.name]));
      const ratios = rounds.map((round, index) => {
        const base = readMetric(metric, round.results[BASELINE]);
        return values[index] === undefined || base === undefined || base === 0 ? undefined : values[index] / base;
      });
      figures[peer.name][metric.key] = { ...spread(values), ratio: spread(ratios), values };
    }
  }
  const targets = checkTargets(figures, tokenCounts, batchFile);
  const json = { machine, quick, settings, peers, figures, tokenCounts, batchFile, targets, rounds };
  const context = { peers, figures, tokenCounts, batchFile, targets, rounds, machine, settings, quick };
  return { json, markdown: markdown(context), readme: readmeTable(context) };
}

function readMetric(metric, results) {
  if (results === undefined) return undefined;
  const value = metric.read(results);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function peakRss(results) {
  const values = Object.values(results)
    .filter((result) => !result.unavailable && !result.failed)
    .map((result) => result.maxRssMb)
    .filter((value) => typeof value === 'number');
  return values.length === 0 ? undefined : Math.max(...values);
}

function spread(values) {
  const present = values.filter((value) => value !== undefined).sort((a, b) => a - b);
  if (present.length === 0) return { median: undefined, min: undefined, max: undefined };
  const middle = Math.floor(present.length / 2);
  const median = present.length % 2 === 1 ? present[middle] : (present[middle - 1] + present[middle]) / 2;
  return { median, min: present[0], max: present.at(-1) };
}

function checkTargets(figures, tokenCounts, batchFile) {
  const classify = figures['qwen-classify'];
  const median = (name, key) => figures[name]?.[key]?.median;
  const sdkThroughputs = [...SDKS].map((name) => [name, median(name, 'callsPerSecond')]).filter(([, v]) => v);
  const [bestSdk, bestSdkThroughput] = sdkThroughputs.sort((a, b) => b[1] - a[1])[0] ?? [];
  const others = Object.entries(tokenCounts).filter(([name]) => !name.startsWith('qwen-'));
  const lowestOther = others.sort((a, b) => a[1].overheadPerItem - b[1].overheadPerItem)[0];
  const ownOverhead = tokenCounts['qwen-classify']?.overheadPerItem;
  const lowestTemplated = others
    .map(([name, count]) => [name, count.overheadPerItem - count.responseFormatTokens / count.items])
    .sort((a, b) => a[1] - b[1])[0];
  const batchRss = batchFile['qwen-batch']?.maxRssMb;
  const list = [
    {
      target: 'classify p50 ≤ 1.3× undici',
      measured: classify?.p50Ms.ratio.median,
      text: ratioText(classify?.p50Ms.ratio),
      met: classify?.p50Ms.ratio.median <= 1.3,
    },
    {
      target: 'classify throughput ≥ 5× the best SDK',
      measured: bestSdkThroughput ? classify?.callsPerSecond.median / bestSdkThroughput : undefined,
      text: bestSdkThroughput
        ? `${(classify?.callsPerSecond.median / bestSdkThroughput).toFixed(2)}× ${bestSdk}; client CPU per item ` +
          `${round(median(bestSdk, 'throughputCpuUsPerCall'))} µs for ${bestSdk}, ` +
          `${round(classify?.throughputCpuUsPerCall.median)} µs for classify`
        : 'n/a',
      met: bestSdkThroughput ? classify?.callsPerSecond.median / bestSdkThroughput >= 5 : undefined,
    },
    {
      target: 'latency-bound efficiency ≥ 95%',
      measured: classify?.efficiency.median,
      text: percent(classify?.efficiency.median),
      met: classify?.efficiency.median >= 0.95,
    },
    {
      target: 'peak RSS ≤ 150 MB',
      measured: classify?.peakRssMb.median,
      text: `classify ${round(classify?.peakRssMb.median)} MB${batchRss ? `; runBatch file run ${round(batchRss)} MB` : ''}`,
      met: classify?.peakRssMb.median <= 150 && (batchRss === undefined || batchRss <= 150),
    },
    {
      target: 'prompt overhead the lowest of all peers',
      measured: ownOverhead,
      text: lowestOther
        ? `classify ${round(ownOverhead)} tokens/item; lowest other peer ${lowestOther[0]} ${round(lowestOther[1].overheadPerItem)}` +
          (lowestTemplated && lowestTemplated[1] < ownOverhead
            ? ` (counting the chat template alone, without the response_format schema: ${lowestTemplated[0]} ${round(lowestTemplated[1])})`
            : '')
        : 'n/a',
      met: lowestOther ? ownOverhead < lowestOther[1].overheadPerItem : undefined,
    },
  ];
  return list.map((item) => ({ ...item, met: item.measured === undefined ? undefined : item.met }));
}

function markdown({ peers, figures, tokenCounts, batchFile, targets, rounds, machine, settings, quick }) {
  const lines = [];
  lines.push('# qwen-tasks benchmarks against peer libraries', '');
  lines.push(
    `Measured on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGb} GB), ${machine.platform}, ` +
      `${machine.date}, Node ${machine.node}; ${rounds.length} round${rounds.length === 1 ? '' : 's'}` +
      `${quick ? ' (BENCH_QUICK smoke run: small sizes, not for publishing)' : ''}. Rerun with \`npm run bench\`. ` +
      `Load average (1 min) ${machine.loadAverage.start[0].toFixed(2)} at the start, ` +
      `${machine.loadAverage.end[0].toFixed(2)} at the end: anything else running on the machine shows in the spread.`,
    '',
    'Every figure is the median over rounds, with min–max in brackets, and as a ratio to the raw `undici.request` ' +
      'baseline of the same round (×). The client under test and the loopback server share a 2-core machine, so ' +
      'throughput is partly bounded by the server; the ratios are what carries over to other machines.',
    '',
  );
  lines.push('## Summary', '', readmeRows({ peers, figures, tokenCounts }), '');
  lines.push('## Targets', '', '| target | measured | met |', '| --- | --- | --- |');
  for (const item of targets) lines.push(`| ${item.target} | ${item.text} | ${metText(item.met)} |`);
  lines.push('');
  for (const metric of METRICS) {
    lines.push(`## ${metric.label}`, '', '| peer | median [min–max] | × undici [min–max] |', '| --- | --- | --- |');
    for (const peer of peers) {
      const figure = figures[peer.name][metric.key];
      lines.push(`| ${peer.label} | ${valueText(figure, metric)} | ${ratioText(figure.ratio)} |`);
    }
    lines.push('');
  }
  lines.push(
    '## Prompt tokens of the classify request as sent',
    '',
    'The request that carried the first review, captured at the server and counted with the Qwen3 tokenizer. ' +
      '*text*: the input text(s) of the request; *message overhead*: message contents beyond them; *tools*: the ' +
      '`# Tools` block the chat template adds; *response_format*: the JSON Schema sent apart (not in the template; ' +
      'added to the total); *templated*: the whole chat-templated prompt (with tools); *overhead per item*: total ' +
      'minus text, shared out over the items of the request (a packed request holds several); *total per item*: the ' +
      'first review (the same text for every peer) plus the overhead per item.',
    '',
    '| peer | text | message overhead | tools | response_format | templated | total | total per item | overhead per item | × undici |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const baseTokens = tokenCounts[BASELINE]?.totalPerItem;
  for (const peer of peers) {
    const count = tokenCounts[peer.name];
    if (!count) {
      lines.push(`| ${peer.label} | n/a | | | | | | | | |`);
      continue;
    }
    const ratio = baseTokens ? `${(count.totalPerItem / baseTokens).toFixed(2)}×` : '';
    lines.push(
      `| ${peer.label} | ${count.textTokens} | ${count.messageOverheadTokens} | ${count.toolTokens} | ` +
        `${count.responseFormatTokens} | ${count.templatedTokens} | ${count.totalTokens} | ` +
        `${round(count.totalPerItem, 1)} | ${round(count.overheadPerItem, 1)} | ${ratio} |`,
    );
  }
  lines.push('', '## Malformed-reply corpus', '', corpusProtocol(), '');
  lines.push(
    '| peer | cases | valid | equal to expected | calls | calls per valid |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const peer of peers) {
    const corpus = rounds[0].results[peer.name]?.corpus;
    if (!corpus || corpus.unavailable || corpus.failed) {
      lines.push(`| ${peer.label} | n/a | | | | |`);
      continue;
    }
    const perValid = corpus.valid > 0 ? (corpus.serverRequests / corpus.valid).toFixed(3) : '—';
    lines.push(
      `| ${peer.label} | ${corpus.cases} | ${corpus.valid} | ${corpus.equal} | ${corpus.serverRequests} | ${perValid} |`,
    );
  }
  const fileRun = settings['batch-file'];
  lines.push(
    '',
    `## runBatch to a JSONL file (${fileRun.count.toLocaleString('en-US')} items, concurrency ${fileRun.concurrency})`,
    '',
  );
  const batchNames = Object.keys(batchFile);
  if (batchNames.length === 0) lines.push('Not run.');
  else lines.push('| run | wall time (s) | items/s | peak RSS (MB) |', '| --- | --- | --- | --- |');
  for (const name of batchNames) {
    const result = batchFile[name];
    const label = peers.find((peer) => peer.name === name)?.label ?? name;
    if (result.unavailable || result.failed)
      lines.push(`| ${label} | n/a (${result.unavailable ?? result.failed}) | | |`);
    else
      lines.push(
        `| ${label} | ${(result.wallMs / 1000).toFixed(1)} | ${Math.round(result.itemsPerSecond)} | ${Math.round(result.maxRssMb)} |`,
      );
  }
  lines.push('', '## Correctness and failures', '', correctness(peers, rounds), '');
  lines.push('## Method', '', method(settings, serverCpu(rounds)), '');
  lines.push('## Order of the rounds', '');
  rounds.forEach((round, index) => {
    lines.push(`${index + 1}. ${round.order.join(', ')}`);
  });
  return `${lines.join('\n')}\n`;
}

function readmeTable(context) {
  const { machine, rounds, quick } = context;
  return [
    `Measured on ${machine.cpu} (${machine.cores} cores), ${machine.date}, Node ${machine.node}; median of ` +
      `${rounds.length} round${rounds.length === 1 ? '' : 's'}${quick ? ' (quick run)' : ''}, × = ratio to a raw ` +
      '`undici.request`; rerun with `npm run bench`.',
    '',
    readmeRows(context),
  ].join('\n');
}

function readmeRows({ peers, figures, tokenCounts }) {
  const rows = [
    '| library | p50 ms | CPU µs/call | items/s @200 | efficiency @64×50 ms | peak RSS MB | prompt tokens/item | corpus calls/valid |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const baseTokens = tokenCounts[BASELINE]?.totalPerItem;
  for (const peer of peers) {
    const figure = figures[peer.name];
    const tokens = tokenCounts[peer.name];
    const cell = (key, digits) => {
      const { median, ratio } = figure[key];
      if (median === undefined) return 'n/a';
      return `${round(median, digits)} (${ratio.median === undefined ? '–' : `${ratio.median.toFixed(2)}×`})`;
    };
    const tokenCell = tokens
      ? `${round(tokens.totalPerItem, 1)}${baseTokens ? ` (${(tokens.totalPerItem / baseTokens).toFixed(2)}×)` : ''}`
      : 'n/a';
    const corpus = figure.corpusCallsPerValid.median;
    rows.push(
      `| ${peer.label} | ${cell('p50Ms', 3)} | ${cell('cpuUsPerCall', 0)} | ${cell('callsPerSecond', 0)} | ` +
        `${percent(figure.efficiency.median)} | ${cell('peakRssMb', 0)} | ${tokenCell} | ` +
        `${corpus === undefined ? 'n/a' : corpus.toFixed(3)} |`,
    );
  }
  return rows.join('\n');
}

function correctness(peers, rounds) {
  const notes = [];
  for (const [index, round] of rounds.entries()) {
    for (const peer of peers) {
      for (const [phase, result] of Object.entries(round.results[peer.name] ?? {})) {
        if (result.failed) notes.push(`- round ${index + 1}, ${peer.name} ${phase}: failed — ${result.failed}`);
        else if (result.unavailable)
          notes.push(`- round ${index + 1}, ${peer.name} ${phase}: n/a (${result.unavailable})`);
        else if (result.errors || result.wrong) {
          notes.push(
            `- round ${index + 1}, ${peer.name} ${phase}: ${result.errors} errors, ${result.wrong} wrong labels` +
              `${result.firstError ? ` — ${result.firstError}` : ''}`,
          );
        }
      }
    }
  }
  return notes.length === 0
    ? 'Every classification in every phase returned the ground-truth label; no call failed.'
    : `Apart from what is listed here, every classification returned the ground-truth label.\n\n${notes.join('\n')}`;
}

function corpusProtocol() {
  return (
    'The object-rooted cases of `test/fixtures/corpus/cases.jsonl` (with an expected value) as an extraction task. The ' +
    'schema a caller would write is inferred from `expected` (types, keys all required, item shape of uniform ' +
    'arrays), as zod for the zod-based peers and as JSON Schema for `runTask`. The user message names the case; the ' +
    'server answers the first call of a case with the malformed corpus `input` (as tool-call arguments or message ' +
    'content, whichever the client asked for) and any later call with the expected value, as a model that gets it ' +
    'right on a second try. Each library parses with its own path and keeps its own retry loop (instructor ' +
    '`max_retries: 2` for validation errors, qwen-tasks `maxRepairs: 2`); the harness re-asks after a thrown ' +
    'error, at most 3 times per case. LangChain runs with `maxRetries: 0` here: its own retry of a parse failure ' +
    'makes the same second call after a 1–2 s backoff, which would only add time. Calls are counted at the server. *equal to expected*: the value deep-equals the corpus answer.'
  );
}

/** Range of the CPU the server spent per request in the throughput phases (per peer medians), in µs. */
function serverCpu(rounds) {
  const peers = Object.keys(rounds[0]?.results ?? {});
  const medians = peers.map(
    (name) =>
      spread(
        rounds
          .map((round) => round.results[name]?.throughput?.serverCpuUsPerRequest)
          .filter((value) => typeof value === 'number'),
      ).median,
  );
  return spread(medians.filter((value) => value !== undefined));
}

function method(settings, serverCpuUs) {
  const { sequential, throughput, latency } = settings;
  return [
    '- One loopback server process (`qwen-tasks/testing` `startMockQwen` with a `reply` function) answers every ' +
      'peer correctly in the shape it asked for: a tool call, a JSON object matching `response_format`, or the bare ' +
      'label; packed requests get one `ID: label` line per item (`A: positive`). The reviews are generated ' +
      'deterministically (`data.mjs`) with ground-truth labels.',
    '- Each peer runs each phase in a fresh Node process, pointed at the server with a fake key; rounds rotate ' +
      'the order of the peers. runBatch peers have no per-call path, so no sequential or corpus phase; their ' +
      'throughput counts items (10 per call when packed).',
    `- Sequential: ${sequential.warmup} warm-up calls, then ${sequential.calls} timed calls one at a time, ` +
      'no server latency; client CPU is `process.cpuUsage()` over the timed calls.',
    `- Throughput: ${throughput.calls} calls with ${throughput.concurrency} in flight after ` +
      `${throughput.warmup} warm-up calls, no server latency.`,
    `- Latency-bound: ${latency.calls} calls, ${latency.concurrency} in flight, ${latency.latencyMs} ms server ` +
      `latency, after two rounds of ${latency.concurrency} warm-up calls; ideal = ⌈${latency.calls}/${latency.concurrency}⌉ × ` +
      `${latency.latencyMs} ms = ${Math.ceil(latency.calls / latency.concurrency) * latency.latencyMs} ms (no client ` +
      'can finish sooner with that many in flight), efficiency = ideal / actual. The packed run makes the same ' +
      'number of calls with 10 items each. Even the raw baseline stays a few points under 100%: a 50 ms server ' +
      'timer fires about a millisecond late on average, and with 64 replies arriving together every 50 ms each wave waits ' +
      'for the server and the client to handle its 64 requests one after the other (see bench/README.md).',
    '- Peak RSS: `process.resourceUsage().maxRSS` of the peer process, the largest over its phases.',
    `- The server itself spent ${round(serverCpuUs.min)}–${round(serverCpuUs.max)} µs of CPU per request in the ` +
      'throughput phases (more for larger requests; packed requests hold 10 items): with two cores, a client about ' +
      'as cheap as that is partly bounded by the server there, so client CPU per item is the cleaner comparison.',
  ].join('\n');
}

function valueText(figure, metric) {
  if (figure.median === undefined) return 'n/a';
  if (metric.percent) return `${percent(figure.median)} [${percent(figure.min)}–${percent(figure.max)}]`;
  const digits = metric.digits ?? 0;
  return `${round(figure.median, digits)} [${round(figure.min, digits)}–${round(figure.max, digits)}]`;
}

function ratioText(ratio) {
  if (!ratio || ratio.median === undefined) return 'n/a';
  return `${ratio.median.toFixed(2)}× [${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}]`;
}

function metText(met) {
  if (met === undefined) return 'n/a';
  return met ? 'yes' : '**no**';
}

function percent(value) {
  return value === undefined ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}

function round(value, digits = 0) {
  if (value === undefined || value === null || Number.isNaN(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
