import { describe, expect, it } from 'vitest';
import { stripThinking } from './strip-thinking.js';

describe('stripThinking', () => {
  it.each([
    ['a reply without reasoning is returned as it is', '{"a":1}', '{"a":1}', false],
    ['a leading think block is removed', '<think>let me see</think>\n{"a":1}', '{"a":1}', true],
    [
      'several leading blocks with other tag names are removed',
      '<thinking>x</thinking>\n<reflection>y</reflection>\nok',
      'ok',
      true,
    ],
    ['tags are matched without regard to case', '<THINK>x</THINK>ok', 'ok', true],
    ['an unclosed leading block (a cut-off reply) leaves no answer', '<think>still thinking about {"a":', '', true],
    [
      'a closing tag whose opening tag was in the prompt cuts the reasoning before it',
      'reasoning here</think>\n\nanswer',
      'answer',
      true,
    ],
    ['a think tag inside the answer is kept', 'answer mentions <think> tags', 'answer mentions <think> tags', false],
  ])('%s', (_name, input, text, stripped) => {
    expect(stripThinking(input)).toEqual({ text, stripped });
  });
});
