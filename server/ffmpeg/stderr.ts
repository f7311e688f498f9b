/**
 * ffmpeg's stderr, kept for error messages. A live stream joined between keyframes makes the H.264
 * / HEVC decoder complain about every frame until the first keyframe ("non-existing PPS 0
 * referenced", "no frame!") while ffmpeg studies the stream. Those lines are expected and say
 * nothing about why a source failed, yet they would fill the kept tail and push out the line that
 * does ("udp://…: Input/output error"). Pure.
 */

const JOIN_NOISE = [
  /^\[(?:h264|hevc) @ 0x[0-9a-f]+\] (?:non-existing [PS]PS \d+ referenced|decode_slice_header error|no frame!|PPS id out of range: \d+|Could not find ref with POC -?\d+)\s*$/,
  /^\s*Last message repeated \d+ times?\s*$/,
];

/** True for a stderr line that is decoder chatter from joining a stream mid-GOP. */
export function isJoinNoise(line: string): boolean {
  return JOIN_NOISE.some((re) => re.test(line));
}

/** Keeps the last `max` meaningful lines of ffmpeg's stderr. */
export class StderrTail {
  private readonly lines: string[] = [];
  constructor(private readonly max: number) {}

  push(line: string): void {
    if (line.trim() === '' || isJoinNoise(line)) return;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }

  toString(): string {
    return this.lines.join('\n');
  }
}
