import type { OutputFormat } from '../types.js';
import type { FormatStrategy } from './format-strategy.js';
import { jsonFormat } from './json-format.js';
import { labelFormat } from './label-format.js';
import { linesFormat } from './lines-format.js';
import { textFormat } from './text-format.js';

/** The strategy of each output format. @internal */
export const FORMATS: Readonly<Record<OutputFormat, FormatStrategy>> = {
  json: jsonFormat,
  label: labelFormat,
  lines: linesFormat,
  text: textFormat,
};

export type { FormatStrategy } from './format-strategy.js';
