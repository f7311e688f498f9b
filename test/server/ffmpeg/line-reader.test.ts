import { describe, expect, it } from 'vitest';
import { LineReader } from '../../../server/ffmpeg/line-reader.js';

describe('LineReader', () => {
  it.each<[string, string[], string[], string[]]>([
    ['one chunk, two lines', ['a\nb\n'], ['a', 'b'], []],
    ['a line split across chunks', ['ab', 'c\nd'], ['abc'], ['d']],
    ['\\r ends a line (progress output)', ['x\ry\r\nz\n'], ['x', 'y', 'z'], []],
    ['no newline at all', ['tail'], [], ['tail']],
    ['empty chunks', ['', '\n', ''], [''], []],
  ])('%s', (_name, chunks, lines, rest) => {
    const r = new LineReader();
    expect(chunks.flatMap((c) => r.push(c))).toEqual(lines);
    expect(r.end()).toEqual(rest);
  });

  it('cuts an endless line at maxChars instead of buffering it', () => {
    const r = new LineReader(8);
    expect(r.push('0123456789abc')).toEqual(['01234567']);
    expect(r.push('\nnext\n')).toEqual(['', 'next']);
    expect(r.push('x'.repeat(20) + '\n')).toEqual(['x'.repeat(8)]);
  });
});
