/**
 * The SQLite upload records (store/uploads.ts) as the `configstore` @tus/file-store asks for: the
 * same get / set / delete / list, with tus's Upload class on the way out (FileStore reads
 * `sizeIsDeferred` off what it gets).
 */
import { Upload, type KvStore } from '@tus/server';
import type { UploadRecords } from '../store/uploads.js';

export function tusConfigstore(records: UploadRecords): KvStore<Upload> {
  return {
    async get(key) {
      const info = records.load(key);
      return info ? new Upload(info) : undefined;
    },
    async set(key, value) {
      const { id, size, offset, metadata, creation_date } = value;
      records.save(key, { id, offset, ...(size !== undefined ? { size } : {}), ...(metadata ? { metadata } : {}), ...(creation_date ? { creation_date } : {}) });
    },
    async delete(key) {
      records.remove(key);
    },
    async list() {
      return records.ids();
    },
  };
}
