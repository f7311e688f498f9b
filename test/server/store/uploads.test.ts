/** The SQLite upload records: the KV contract tus's FileStore relies on, and survival across a reopen. */
import { Upload } from '@tus/server';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/store/database.js';
import { openStore } from '../../../server/store/store.js';
import { UploadRecords } from '../../../server/store/uploads.js';
import { tusConfigstore } from '../../../server/upload/kv.js';
import { tempDir } from '../../helpers/server.js';

const memory = (): UploadRecords => new UploadRecords(openDatabase({ dataDir: ':memory:' }));

describe('UploadRecords as a key-value store', () => {
  it('get / set / list / delete', async () => {
    const kv = memory();
    expect(await kv.get('a')).toBeUndefined();
    expect(await kv.list()).toEqual([]);
    await kv.set('a', { id: 'a', size: 10, offset: 0, metadata: { filename: 'x.mp4', flag: null }, creation_date: '2026-01-01T00:00:00.000Z' });
    await kv.set('b', { id: 'b', offset: 0, creation_date: '2026-01-02T00:00:00.000Z' });
    expect(await kv.get('a')).toEqual({ id: 'a', size: 10, offset: 0, metadata: { filename: 'x.mp4', flag: null }, creation_date: '2026-01-01T00:00:00.000Z' });
    expect(await kv.get('b')).toEqual({ id: 'b', offset: 0, creation_date: '2026-01-02T00:00:00.000Z' });
    expect(await kv.list()).toEqual(['a', 'b']);
    await kv.delete('a');
    await kv.delete('nothing'); // deleting a missing key is not an error
    expect(await kv.get('a')).toBeUndefined();
    expect(await kv.list()).toEqual(['b']);
  });

  it('a second set replaces the values (declared length) and keeps the chosen target', async () => {
    const kv = memory();
    await kv.set('a', { id: 'a', offset: 0, creation_date: '2026-01-01T00:00:00.000Z' });
    kv.setTarget('a', 'clip.mp4');
    await kv.set('a', { id: 'a', size: 99, offset: 0, creation_date: '2026-01-01T00:00:00.000Z' });
    expect((await kv.get('a'))?.size).toBe(99);
    expect(kv.target('a')).toBe('clip.mp4');
    kv.setTarget('a', null);
    expect(kv.target('a')).toBeNull();
  });

  it('unicode and odd metadata round-trip as text', async () => {
    const kv = memory();
    const metadata = { filename: '../../Été 🎬\u0000.mp4', 'key.with-dash': '"quoted"\n' };
    await kv.set('u', { id: 'u', offset: 0, metadata });
    expect((await kv.get('u'))?.metadata).toEqual(metadata);
  });

  it('survives closing and reopening the data folder', async () => {
    const dir = tempDir('pushcast-uploads-db-');
    try {
      const first = openStore(dir.dir);
      await first.uploads.set('keep', { id: 'keep', size: 1234, offset: 0, metadata: { filename: 'big.mkv' }, creation_date: '2026-03-04T05:06:07.000Z' });
      first.close();
      const again = openStore(dir.dir);
      expect(await again.uploads.get('keep')).toEqual({ id: 'keep', size: 1234, offset: 0, metadata: { filename: 'big.mkv' }, creation_date: '2026-03-04T05:06:07.000Z' });
      again.close();
    } finally {
      dir.remove();
    }
  });
});

describe('tusConfigstore', () => {
  it('hands tus its Upload class and stores what tus gives', async () => {
    const records = memory();
    const kv = tusConfigstore(records);
    await kv.set('x', new Upload({ id: 'x', offset: 0, metadata: { filename: 'a.mp4' }, creation_date: '2026-01-01T00:00:00.000Z' }));
    const got = await kv.get('x');
    expect(got).toBeInstanceOf(Upload);
    expect(got?.sizeIsDeferred).toBe(true);
    expect(got?.metadata).toEqual({ filename: 'a.mp4' });
    await kv.set('x', new Upload({ id: 'x', size: 5, offset: 0, creation_date: '2026-01-01T00:00:00.000Z' }));
    expect((await kv.get('x'))?.sizeIsDeferred).toBe(false);
    expect(await kv.list?.()).toEqual(['x']);
    await kv.delete('x');
    expect(await kv.get('x')).toBeUndefined();
  });
});
