/**
 * Groups top-level boxes from ffmpeg into what viewers receive: one init segment (ftyp+moov), then
 * media messages, each = any prft/styp/sidx/emsg boxes, then moof+mdat. Pure and synchronous.
 */
import { ErrorCode, PushcastError } from '../core/errors.js';
import type { Mp4Box } from './box-splitter.js';
import { parseMoof, type MoofInfo } from '../core/moof.js';

export type Segment =
  | { kind: 'init'; data: Buffer }
  | { kind: 'media'; data: Buffer; moof: MoofInfo };

/** Boxes that belong to the next fragment and ride in front of its moof. */
const PREFIX_BOXES = new Set(['prft', 'styp', 'sidx', 'emsg']);
/** Boxes we drop: padding and the random-access index ffmpeg writes at the very end. */
const IGNORED_BOXES = new Set(['free', 'skip', 'mfra', 'udta']);

export class Segmenter {
  private init: Buffer[] | null = [];
  private prefix: Buffer[] = [];
  private moof: { box: Buffer; info: MoofInfo } | null = null;

  push(box: Mp4Box): Segment | null {
    if (IGNORED_BOXES.has(box.type)) return null;
    if (this.init !== null) {
      // Before the init segment is complete only ftyp and moov are legal.
      if (box.type === 'ftyp') {
        this.init.push(box.data);
        return null;
      }
      if (box.type === 'moov') {
        const data = Buffer.concat([...this.init, box.data]);
        this.init = null;
        return { kind: 'init', data };
      }
      throw new PushcastError(ErrorCode.BAD_STREAM, `"${box.type}" box before the init segment (is the output fragmented with empty_moov?)`);
    }
    if (PREFIX_BOXES.has(box.type)) {
      this.prefix.push(box.data);
      return null;
    }
    if (box.type === 'moof') {
      if (this.moof) throw new PushcastError(ErrorCode.BAD_STREAM, 'two moof boxes without an mdat between them');
      const info = parseMoof(box.data);
      if (!info) throw new PushcastError(ErrorCode.BAD_STREAM, 'unreadable moof box');
      this.moof = { box: box.data, info };
      return null;
    }
    if (box.type === 'mdat') {
      if (!this.moof) throw new PushcastError(ErrorCode.BAD_STREAM, 'mdat without a moof');
      const data = Buffer.concat([...this.prefix, this.moof.box, box.data]);
      const segment: Segment = { kind: 'media', data, moof: this.moof.info };
      this.prefix = [];
      this.moof = null;
      return segment;
    }
    if (box.type === 'moov' || box.type === 'ftyp') {
      throw new PushcastError(ErrorCode.BAD_STREAM, `a second "${box.type}" box in one stream`);
    }
    return null; // unknown top-level boxes are legal in ISO-BMFF; skip them
  }
}
