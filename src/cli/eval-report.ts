/**
 * The two views of an evaluation report: aligned plain-text tables for the terminal, and a self-contained HTML page
 * with the confusion matrix as a heat map and, when the task gave confidences, the calibration diagrams as inline
 * SVG. See docs/cli.md.
 * @module
 */
import type { CoveragePoint, ReliabilityBin } from '../batch/calibration.js';
import type { EvalCalibration, EvalReport } from '../batch/evaluate.js';
import { formatCount, formatUsd, renderTable } from './io.js';

const MISMATCHES_SHOWN = 10;

/**
 * The plain-text view of an evaluation: the headline numbers, the per-label table, the confusion matrix (rows
 * expected, columns predicted), the calibration (when the task gave confidences), tokens, cost, latency, and the
 * first few wrong items — as aligned tables.
 */
export function renderEvalText(report: EvalReport): string {
  const parts: string[] = [];
  parts.push(
    renderTable([
      ['task', `${report.task} (format ${report.format}${report.multi ? ', multi-label' : ''})`],
      ['data', `${report.data} (${formatCount(report.total)} items)`],
      [
        'accuracy',
        `${score(report.accuracy)} (${formatCount(report.correct)}/${formatCount(report.total)} exact match)`,
      ],
      ...(report.macroF1 === undefined ? [] : [['macro-F1', score(report.macroF1)]]),
      ...(report.failed === 0
        ? []
        : [['failed', `${formatCount(report.failed)} item${report.failed === 1 ? '' : 's'} (scored as wrong)`]]),
    ]),
  );
  if (report.labels !== undefined && report.labels.length > 0) {
    parts.push(
      renderTable(
        [
          ['label', 'precision', 'recall', 'f1', 'support'],
          ...report.labels.map((label) => [
            label.label,
            score(label.precision),
            score(label.recall),
            score(label.f1),
            formatCount(label.support),
          ]),
        ],
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
  }
  if (report.matrix !== undefined && report.matrix.rows.length > 0) {
    const { rows, columns, counts } = report.matrix;
    const title = report.multi
      ? 'label co-occurrence (rows: expected, columns: predicted)'
      : 'confusion matrix (rows: expected, columns: predicted)';
    parts.push(
      `${title}\n${renderTable(
        [['', ...columns], ...rows.map((row, index) => [row, ...(counts[index] ?? []).map(formatCount)])],
        ['left', ...columns.map(() => 'right' as const)],
      )}`,
    );
  }
  if (report.calibration !== undefined) parts.push(calibrationText(report.calibration));
  const { usage, latencyMs } = report;
  parts.push(
    renderTable([
      [
        'tokens',
        `${formatCount(usage.totalTokens)} (${formatCount(usage.promptTokens)} prompt, ${formatCount(usage.completionTokens)} completion, ${formatCount(usage.requests)} requests)`,
      ],
      ['cost', `${formatUsd(report.costUsd)} (estimated)`],
      [
        'latency',
        `p50 ${milliseconds(latencyMs.p50)}, p90 ${milliseconds(latencyMs.p90)}, p99 ${milliseconds(latencyMs.p99)}`,
      ],
    ]),
  );
  if (report.mismatches.length > 0) {
    const shown = report.mismatches.slice(0, MISMATCHES_SHOWN);
    const wrong = report.total - report.correct;
    parts.push(
      `wrong (first ${shown.length} of ${formatCount(wrong)})\n${renderTable([
        ['line', 'expected', 'predicted', 'text'],
        ...shown.map((item) => [
          String(item.line),
          compact(item.expected),
          item.error === undefined ? compact(item.predicted) : `${item.error.name}`,
          clip(item.text, 60),
        ]),
      ])}`,
    );
  }
  return parts.join('\n');
}

/** The calibration block of the text view: ECE, Brier, the target threshold, and the non-empty reliability bins. */
function calibrationText(calibration: EvalCalibration): string {
  const { n, excluded, ece, brier, target } = calibration;
  const excludedNote = excluded === 0 ? '' : `; ${formatCount(excluded)} excluded: failed or without a confidence`;
  const rows = [
    ['ECE', `${score(ece)} (10 equal-width bins; 0 is perfectly calibrated)`],
    ['Brier', `${score(brier.value)} (${brierNote(brier.form)})`],
    ...(target === undefined ? [] : [['threshold', thresholdSentence(calibration)]]),
  ];
  const bins = calibration.bins.filter((bin) => bin.count > 0);
  return `calibration (${formatCount(n)} item${n === 1 ? '' : 's'} with a confidence${excludedNote})
${renderTable(rows)}
${renderTable(
  [
    ['confidence', 'items', 'mean confidence', 'accuracy'],
    ...bins.map((bin) => [binRange(bin), formatCount(bin.count), score(bin.meanConfidence!), score(bin.accuracy!)]),
  ],
  ['left', 'right', 'right', 'right'],
)}`;
}

/**
 * "confidence ≥ 0.873 keeps 82.0% of the items at 95.1% accuracy", or that no threshold reaches the target (with the
 * best accuracy a threshold gives).
 */
function thresholdSentence({ target, coverage }: EvalCalibration): string {
  if (target === undefined) return '';
  const chosen = target.threshold;
  if (chosen !== null) {
    return `confidence ≥ ${chosen.shown} keeps ${percent(chosen.coverage)} of the items at ${percent(chosen.accuracy)} accuracy (target ${percent(target.accuracy)})`;
  }
  const best = coverage.reduce<CoveragePoint | undefined>(
    (top, point) => (top === undefined || point.accuracy > top.accuracy ? point : top),
    undefined,
  );
  const bestNote =
    best === undefined ? '' : ` (at best ${percent(best.accuracy)}, keeping ${percent(best.coverage)} of the items)`;
  return `no confidence threshold reaches ${percent(target.accuracy)} accuracy${bestNote}`;
}

function brierNote(form: 'multi-class' | 'binary'): string {
  return form === 'multi-class'
    ? 'multi-class: Σ over labels (probability − outcome)², 0–2'
    : 'binary: (confidence − correct)², 0–1';
}

function binRange(bin: ReliabilityBin): string {
  return `${bin.lower.toFixed(1)}–${bin.upper.toFixed(1)}`;
}

function score(value: number): string {
  return value.toFixed(3);
}

function milliseconds(value: number): string {
  return `${formatCount(Math.round(value))} ms`;
}

function compact(value: unknown): string {
  return clip(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'), 40);
}

function clip(text: string, length: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= length ? line : `${line.slice(0, length - 1)}…`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:2rem auto;max-width:72rem;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.muted{color:#59636e}.headline{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.stat{border:1px solid #d1d9e0;border-radius:6px;padding:.5rem .9rem;min-width:8rem}
.stat b{display:block;font-size:1.3rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d1d9e0;padding:.3rem .6rem;text-align:right}
th{background:#f6f8fa}td.text,th.text{text-align:left}
table.matrix td{min-width:3.5rem;text-align:center}table.matrix td.hit{font-weight:700;outline:2px solid #1f2328;outline-offset:-2px}
td.wrap{text-align:left;max-width:32rem;white-space:pre-wrap;word-break:break-word}
.charts{display:flex;gap:2rem;flex-wrap:wrap}figure{margin:0}figcaption{font-weight:600;margin:.25rem 0}
svg text{font:11px system-ui,-apple-system,"Segoe UI",sans-serif;fill:#59636e}
`;

/**
 * A self-contained HTML page for an evaluation (inline CSS and SVG, no scripts): headline numbers, per-label table,
 * the confusion matrix as a row-normalised heat map, the calibration (when the task gave confidences), and the first
 * wrong items; every value from the data is escaped.
 */
export function renderReport(report: EvalReport, generatedAt: Date = new Date()): string {
  const sections = [
    headline(report),
    labelTable(report),
    matrixTable(report),
    calibrationSection(report),
    mismatchTable(report),
  ].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Evaluation of ${report.task}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Evaluation of ${escapeHtml(report.task)}</h1>
<p class="muted">${escapeHtml(report.data)} · ${formatCount(report.total)} items · format ${escapeHtml(report.format)}${report.multi ? ', multi-label' : ''} · ${escapeHtml(generatedAt.toISOString())}</p>
${sections.join('\n')}
</body>
</html>
`;
}

function headline(report: EvalReport): string {
  const stats: [string, string][] = [
    ['accuracy', `${percent(report.accuracy)}`],
    ...(report.macroF1 === undefined ? [] : ([['macro-F1', report.macroF1.toFixed(3)]] as [string, string][])),
    ['correct', `${formatCount(report.correct)} / ${formatCount(report.total)}`],
    ['failed', formatCount(report.failed)],
    ['tokens', formatCount(report.usage.totalTokens)],
    ['cost', formatUsd(report.costUsd)],
    [
      'latency p50 / p90 / p99',
      [report.latencyMs.p50, report.latencyMs.p90, report.latencyMs.p99].map(milliseconds).join(' / '),
    ],
  ];
  const cells = stats.map(
    ([name, value]) =>
      `<div class="stat"><span class="muted">${escapeHtml(name)}</span><b>${escapeHtml(value)}</b></div>`,
  );
  return `<div class="headline">${cells.join('')}</div>`;
}

function labelTable(report: EvalReport): string {
  if (report.labels === undefined || report.labels.length === 0) return '';
  const rows = report.labels.map(
    (label) =>
      `<tr><td class="text">${escapeHtml(label.label)}</td><td>${label.precision.toFixed(3)}</td><td>${label.recall.toFixed(3)}</td><td>${label.f1.toFixed(3)}</td><td>${formatCount(label.support)}</td></tr>`,
  );
  return `<h2>Per label</h2>
<table class="labels"><thead><tr><th class="text">label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function matrixTable(report: EvalReport): string {
  const matrix = report.matrix;
  if (matrix === undefined || matrix.rows.length === 0) return '';
  const header = matrix.columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
  const rows = matrix.rows.map((row, rowIndex) => {
    const counts = matrix.counts[rowIndex] ?? [];
    const total = counts.reduce((sum, count) => sum + count, 0);
    const cells = counts.map((count, columnIndex) => {
      const share = total === 0 ? 0 : count / total;
      const title = `expected ${row}, predicted ${matrix.columns[columnIndex] ?? ''}: ${count} (${percent(share)} of the row)`;
      const hit = matrix.columns[columnIndex] === row ? ' class="hit"' : '';
      return `<td${hit} style="${heat(share)}" title="${escapeHtml(title)}">${count}</td>`;
    });
    return `<tr><th class="text">${escapeHtml(row)}</th>${cells.join('')}</tr>`;
  });
  const title = report.multi ? 'Label co-occurrence' : 'Confusion matrix';
  return `<h2>${title}</h2>
<p class="muted">Rows: expected label; columns: predicted label. Colour: share of the row; outlined: correct.</p>
<table class="matrix"><thead><tr><th class="text">expected \\ predicted</th>${header}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function mismatchTable(report: EvalReport): string {
  if (report.mismatches.length === 0) return '';
  const withConfidence = report.mismatches.some((item) => item.confidence !== undefined);
  const rows = report.mismatches.map((item) => {
    const predicted = item.error === undefined ? show(item.predicted) : `${item.error.name}: ${item.error.message}`;
    const confidence = withConfidence ? `<td>${item.confidence === undefined ? '' : score(item.confidence)}</td>` : '';
    return `<tr><td>${item.line}</td><td class="wrap">${escapeHtml(show(item.expected))}</td><td class="wrap">${escapeHtml(predicted)}</td>${confidence}<td class="wrap">${escapeHtml(item.text)}</td></tr>`;
  });
  const confidenceHeader = withConfidence ? '<th>confidence</th>' : '';
  return `<h2>Wrong items (first ${report.mismatches.length})</h2>
<table class="mismatches"><thead><tr><th>line</th><th class="text">expected</th><th class="text">predicted</th>${confidenceHeader}<th class="text">text</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

/** Plot geometry shared by the two calibration charts (SVG user units). */
const CHART = { width: 360, height: 290, left: 46, right: 14, top: 18, bottom: 44 } as const;
const PLOT_WIDTH = CHART.width - CHART.left - CHART.right;
const PLOT_HEIGHT = CHART.height - CHART.top - CHART.bottom;

/**
 * The calibration section: how many items it covers, ECE, Brier, the target threshold, the reliability diagram and
 * the accuracy-versus-coverage curve (inline SVG).
 */
function calibrationSection(report: EvalReport): string {
  const calibration = report.calibration;
  if (calibration === undefined) return '';
  const { n, excluded, ece, brier, target } = calibration;
  const stats: [string, string][] = [
    ['ECE (10 bins)', ece.toFixed(3)],
    [`Brier (${brier.form})`, brier.value.toFixed(3)],
    ['items with a confidence', formatCount(n)],
    ['excluded', formatCount(excluded)],
  ];
  const cells = stats.map(
    ([name, value]) =>
      `<div class="stat"><span class="muted">${escapeHtml(name)}</span><b>${escapeHtml(value)}</b></div>`,
  );
  const threshold =
    target === undefined ? '' : `\n<p class="threshold">${escapeHtml(thresholdSentence(calibration))}</p>`;
  return `<h2>Calibration</h2>
<p class="muted">${escapeHtml(
    `Over the ${formatCount(n)} items that came back with a confidence${excluded === 0 ? '' : ` (${formatCount(excluded)} excluded: failed or without a confidence)`}. ECE: the items' mean gap between confidence and accuracy, over 10 equal-width bins (0 is perfectly calibrated). Brier: ${brierNote(brier.form)}; lower is better.`,
  )}</p>
<div class="headline">${cells.join('')}</div>${threshold}
<div class="charts">
<figure><figcaption>Reliability diagram</figcaption>
${reliabilitySvg(calibration.bins)}
</figure>
<figure><figcaption>Accuracy versus coverage</figcaption>
${coverageSvg(calibration)}
</figure>
</div>
<p class="muted">Reliability: each bar is the accuracy of the items whose confidence falls in the bin (its item count at the foot, the bin's mean confidence as a dark tick); bars on the diagonal are well calibrated, below it over-confident. Coverage: keeping only the most confident items, the share kept (x) against their accuracy (y), one point per confidence threshold.</p>`;
}

/** Bars of accuracy per confidence bin against the diagonal, with each bin's count and mean-confidence tick. */
function reliabilitySvg(bins: readonly ReliabilityBin[]): string {
  const x = (value: number) => CHART.left + value * PLOT_WIDTH;
  const y = (value: number) => CHART.top + (1 - value) * PLOT_HEIGHT;
  const bars = bins
    .filter((bin) => bin.count > 0)
    .map((bin) => {
      const accuracy = bin.accuracy!;
      const meanConfidence = bin.meanConfidence!;
      const left = x(bin.lower) + 1;
      const width = x(bin.upper) - x(bin.lower) - 2;
      const title = `confidence ${binRange(bin)}: ${formatCount(bin.count)} item${bin.count === 1 ? '' : 's'}, mean confidence ${meanConfidence.toFixed(3)}, accuracy ${accuracy.toFixed(3)}`;
      return `<g class="bin"><title>${escapeHtml(title)}</title><rect x="${coordinate(left)}" y="${coordinate(y(accuracy))}" width="${coordinate(width)}" height="${coordinate(y(0) - y(accuracy))}" fill="rgba(9,105,218,0.7)"/><line x1="${coordinate(left)}" x2="${coordinate(left + width)}" y1="${coordinate(y(meanConfidence))}" y2="${coordinate(y(meanConfidence))}" stroke="#1f2328" stroke-width="2"/>${countLabel(left + width / 2, y(accuracy), y(0), bin.count)}</g>`;
    });
  return svg(
    'Reliability diagram: accuracy per confidence bin against the diagonal',
    [
      axes('confidence', 'accuracy', [0, 0.5, 1], x, y),
      `<line class="diagonal" x1="${coordinate(x(0))}" y1="${coordinate(y(0))}" x2="${coordinate(x(1))}" y2="${coordinate(y(1))}" stroke="#8c959f" stroke-dasharray="4 3"/>`,
      ...bars,
    ].join('\n'),
  );
}

/** A bin's count: inside its bar at the base (white), or above the bar when it is too short for the text. */
function countLabel(x: number, top: number, base: number, count: number): string {
  const inside = base - top >= 16;
  const y = inside ? base - 4 : top - 3;
  const style = inside ? ' style="fill:#fff"' : '';
  return `<text class="count" x="${coordinate(x)}" y="${coordinate(y)}" text-anchor="middle"${style}>${formatCount(count)}</text>`;
}

/**
 * The accuracy-versus-coverage curve as a polyline (accuracy axis from the nearest tenth below the lowest value to
 * 1), with the target accuracy and the chosen threshold as dashed lines when there is a target.
 */
function coverageSvg({ coverage, target }: EvalCalibration): string {
  const lowest = coverage.reduce((least, point) => Math.min(least, point.accuracy), target?.accuracy ?? 1);
  const floor = Math.min(0.9, Math.max(0, Math.floor(lowest * 10 + 1e-9) / 10));
  const x = (value: number) => CHART.left + value * PLOT_WIDTH;
  const y = (value: number) => CHART.top + ((1 - value) / (1 - floor)) * PLOT_HEIGHT;
  const points = coverage.map((point) => `${coordinate(x(point.coverage))},${coordinate(y(point.accuracy))}`);
  const curve =
    coverage.length === 1
      ? `<circle cx="${coordinate(x(coverage[0]!.coverage))}" cy="${coordinate(y(coverage[0]!.accuracy))}" r="3" fill="#0969da"/>`
      : `<polyline class="curve" points="${points.join(' ')}" fill="none" stroke="#0969da" stroke-width="2"/>`;
  const parts = [axes('coverage (share of items kept)', 'accuracy', [floor, (floor + 1) / 2, 1], x, y), curve];
  if (target !== undefined) {
    parts.push(
      `<line class="target" x1="${coordinate(x(0))}" x2="${coordinate(x(1))}" y1="${coordinate(y(target.accuracy))}" y2="${coordinate(y(target.accuracy))}" stroke="#cf222e" stroke-dasharray="5 3"><title>${escapeHtml(`target accuracy ${percent(target.accuracy)}`)}</title></line>`,
    );
    const chosen = target.threshold;
    if (chosen !== null) {
      const cx = x(chosen.coverage);
      const anchor = chosen.coverage > 0.5 ? 'end' : 'start';
      const dx = chosen.coverage > 0.5 ? -4 : 4;
      parts.push(
        `<line class="threshold" x1="${coordinate(cx)}" x2="${coordinate(cx)}" y1="${coordinate(y(floor))}" y2="${coordinate(y(1))}" stroke="#cf222e" stroke-dasharray="5 3"/>`,
        `<circle cx="${coordinate(cx)}" cy="${coordinate(y(chosen.accuracy))}" r="4" fill="#cf222e"><title>${escapeHtml(`confidence ≥ ${chosen.shown}: ${percent(chosen.coverage)} of the items at ${percent(chosen.accuracy)} accuracy`)}</title></circle>`,
        `<text x="${coordinate(cx + dx)}" y="${coordinate(y(floor) - 6)}" text-anchor="${anchor}">${escapeHtml(`confidence ≥ ${chosen.shown}`)}</text>`,
      );
    }
  }
  return svg('Accuracy versus coverage of the most confident items', parts.join('\n'));
}

/** An inline SVG chart of {@link CHART}'s size, labelled for screen readers. */
function svg(label: string, body: string): string {
  return `<svg width="${CHART.width}" height="${CHART.height}" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-label="${escapeHtml(label)}">
${body}
</svg>`;
}

/** The two axes and their titles: x ticks at 0, 0.5 and 1, y ticks at `yTicks` (lowest first, the middle one titled). */
function axes(
  xTitle: string,
  yTitle: string,
  yTicks: readonly number[],
  x: (value: number) => number,
  y: (value: number) => number,
): string {
  const bottom = y(yTicks[0]!);
  const lines = [
    `<line x1="${coordinate(x(0))}" y1="${coordinate(bottom)}" x2="${coordinate(x(1))}" y2="${coordinate(bottom)}" stroke="#59636e"/>`,
    `<line x1="${coordinate(x(0))}" y1="${coordinate(bottom)}" x2="${coordinate(x(0))}" y2="${coordinate(y(1))}" stroke="#59636e"/>`,
  ];
  for (const tick of [0, 0.5, 1]) {
    lines.push(
      `<text x="${coordinate(x(tick))}" y="${coordinate(bottom + 14)}" text-anchor="middle">${tick.toFixed(1)}</text>`,
    );
  }
  for (const tick of yTicks) {
    lines.push(
      `<text x="${coordinate(x(0) - 5)}" y="${coordinate(y(tick) + 4)}" text-anchor="end">${tick.toFixed(2)}</text>`,
    );
  }
  lines.push(
    `<text x="${coordinate(x(0.5))}" y="${coordinate(bottom + 32)}" text-anchor="middle">${escapeHtml(xTitle)}</text>`,
    `<text x="12" y="${coordinate(y(yTicks[1]!))}" text-anchor="middle" transform="rotate(-90 12 ${coordinate(y(yTicks[1]!))})">${escapeHtml(yTitle)}</text>`,
  );
  return lines.join('\n');
}

/** An SVG coordinate with at most one decimal. */
function coordinate(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Background by share (0–1): white to deep blue; white text once the cell is dark. */
function heat(share: number): string {
  const alpha = Math.round(share * 100) / 100;
  return `background:rgba(9,105,218,${alpha});color:${alpha > 0.55 ? '#fff' : '#1f2328'}`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 1) ?? 'undefined');
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}
