/**
 * Splits a child's text output (stderr) into lines, whatever the chunking. ffmpeg ends progress
 * lines with '\r' and others with '\n'; both end a line. A line longer than `maxChars` is cut
 * there so one endless line cannot grow memory without bound. Pure.
 */
export class LineReader {
  private partial = '';

  constructor(private readonly maxChars = 4096) {}

  /** The complete lines this chunk finished, in order. */
  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split(/\r\n|\r|\n/);
    this.partial = parts.pop() ?? '';
    const lines = parts.map((l) => l.slice(0, this.maxChars));
    if (this.partial.length > this.maxChars) {
      lines.push(this.partial.slice(0, this.maxChars));
      this.partial = '';
    }
    return lines;
  }

  /** The unfinished last line, if any (the stream ended). */
  end(): string[] {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? [] : [rest];
  }
}
