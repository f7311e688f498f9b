/**
 * RuntimeChannels over a real registry and an in-memory database, without ffmpeg: no channel here
 * gets a viewer or keep-alive, so nothing is spawned (and there is no ffprobe: prime() probes
 * nothing). The media folder is a temporary one with files, a folder, a hidden file and symlinks
 * that stay inside or lead out. Viewers, ffmpeg and restarts of the real server are in
 * test/server/api/runtime-channels.test.ts.
 */
import { mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelRegistry } from '../../../server/channel/registry.js';
import { resolveMediaFile, RuntimeChannels } from '../../../server/channel/runtime-channels.js';
import { DEFAULTS, type Config } from '../../../server/runtime/config.js';
import { createMemoryLogger } from '../../../server/runtime/log.js';
import { maskSecrets } from '../../../server/runtime/redact.js';
import { openDatabase } from '../../../server/store/database.js';
import { RuntimeChannelStore } from '../../../server/store/channels.js';
import { tempDir } from '../../helpers/server.js';

const media = tempDir('pushcast-media-');
const outside = tempDir('pushcast-outside-');

beforeAll(() => {
  writeFileSync(path.join(media.dir, 'clip.mp4'), 'not really a video: nothing probes it here');
  mkdirSync(path.join(media.dir, 'sub'));
  writeFileSync(path.join(media.dir, 'sub', 'deep.mkv'), 'x');
  mkdirSync(path.join(media.dir, 'folder.mp4'));
  writeFileSync(path.join(media.dir, '.hidden.mp4'), 'x');
  writeFileSync(path.join(outside.dir, 'secret.mp4'), 'x');
  symlinkSync(path.join(outside.dir, 'secret.mp4'), path.join(media.dir, 'out.mp4'));
  symlinkSync(outside.dir, path.join(media.dir, 'outdir'));
  symlinkSync(path.join(media.dir, 'sub', 'deep.mkv'), path.join(media.dir, 'alias.mkv'));
  symlinkSync(path.join(media.dir, '.hidden.mp4'), path.join(media.dir, 'peek.mp4'));
});
afterAll(() => {
  media.remove();
  outside.remove();
});

interface World {
  registry: ChannelRegistry;
  runtime: RuntimeChannels;
  store: RuntimeChannelStore;
  lines: ReturnType<typeof createMemoryLogger>['lines'];
  raw: string[];
  forgotten: string[];
}
const open: ChannelRegistry[] = [];

function world(store = new RuntimeChannelStore(openDatabase({ dataDir: ':memory:' })), overrides: Partial<Config> = {}): World {
  const { log, lines, raw } = createMemoryLogger();
  const config: Config = { ...DEFAULTS, mediaDir: media.dir, channels: [{ id: 'cfg', source: 'udp://127.0.0.1:9' }], ...overrides };
  const registry = new ChannelRegistry(config, '/nonexistent/ffmpeg', null, log);
  open.push(registry);
  const forgotten: string[] = [];
  const runtime = RuntimeChannels.open({ registry, store, mediaDir: media.dir, allowedSchemes: config.allowedSourceSchemes, log, forget: (id) => forgotten.push(id) });
  return { registry, runtime, store, lines, raw, forgotten };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

describe('RuntimeChannels', () => {
  it('adds a file of the media folder by its relative path, and a URL', () => {
    const w = world();
    const movie = w.runtime.add({ id: 'movie', source: 'sub/deep.mkv', transcode: 'always' });
    expect(movie.ok).toBe(true);
    const info = w.registry.get('movie')!.info();
    expect(info).toMatchObject({ id: 'movie', kind: 'file', origin: 'runtime', source: 'deep.mkv', vod: '/vod/sub/deep.mkv', status: 'idle', control: 'token' });
    const cam = w.runtime.add({ id: 'cam', source: 'udp://127.0.0.1:5000', openControl: true });
    expect(cam.ok).toBe(true);
    expect(w.registry.get('cam')!.info()).toMatchObject({ kind: 'live', origin: 'runtime', vod: null, control: 'open' });
    expect(w.store.list().map(({ createdAt: _, ...c }) => c)).toEqual([
      { id: 'movie', source: 'sub/deep.mkv', keepAlive: false, transcode: 'always', openControl: false },
      { id: 'cam', source: 'udp://127.0.0.1:5000', keepAlive: false, transcode: 'auto', openControl: true },
    ]);
  });

  it('tells every channel where it came from', () => {
    const w = world();
    w.runtime.add({ id: 'movie', source: 'clip.mp4' });
    const origins = Object.fromEntries(w.registry.all().map((c) => [c.id, c.info().origin]));
    // (alias.mkv and peek.mp4 are symlinks inside the folder: the media library lists them too)
    expect(origins).toEqual({ test: 'builtin', cfg: 'config', alias: 'media', clip: 'media', peek: 'media', movie: 'runtime' });
  });

  it.each([
    ['a symlink to a file outside', 'out.mp4', 'SOURCE_OUTSIDE_MEDIA'],
    ['a file below a symlinked folder outside', 'outdir/secret.mp4', 'SOURCE_OUTSIDE_MEDIA'],
    ['".."', '../pushcast-outside/secret.mp4', 'SOURCE_OUTSIDE_MEDIA'],
    ['an absolute path elsewhere', path.join(outside.dir, 'secret.mp4'), 'SOURCE_OUTSIDE_MEDIA'],
    ['a missing file', 'nope.mp4', 'BAD_SOURCE'],
    ['a folder', 'folder.mp4', 'BAD_SOURCE'],
    ['a hidden file', '.hidden.mp4', 'BAD_SOURCE'],
    ['a symlink to a hidden file', 'peek.mp4', 'BAD_SOURCE'],
    ['a forbidden scheme', 'concat:clip.mp4|clip.mp4', 'SOURCE_SCHEME_FORBIDDEN'],
  ])('refuses %s (%s) with %s, and stores nothing', (_name, source, code) => {
    const w = world();
    expect(w.runtime.add({ id: 'x', source })).toMatchObject({ ok: false, code });
    expect(w.registry.get('x')).toBeUndefined();
    expect(w.store.list()).toEqual([]);
  });

  it('follows a symlink that stays inside, and plays its real path', () => {
    expect(resolveMediaFile(media.dir, ['alias.mkv'])).toMatchObject({ ok: true, value: { vod: '/vod/sub/deep.mkv' } });
    const r = resolveMediaFile(media.dir, ['alias.mkv']);
    if (r.ok) expect(r.value.path.endsWith(path.join('sub', 'deep.mkv'))).toBe(true);
  });

  it('accepts an absolute path inside the media folder', () => {
    const w = world();
    expect(w.runtime.add({ id: 'abs', source: path.join(path.resolve(media.dir), 'clip.mp4') }).ok).toBe(true);
  });

  it.each(['movie', 'cfg', 'test', 'clip'])('refuses a second channel "%s" with CHANNEL_EXISTS', (id) => {
    const w = world();
    w.runtime.add({ id: 'movie', source: 'clip.mp4' });
    const before = w.store.list();
    expect(w.runtime.add({ id, source: 'udp://127.0.0.1:5001' })).toMatchObject({ ok: false, code: 'CHANNEL_EXISTS' });
    expect(w.store.list()).toEqual(before);
  });

  it('deletes only runtime channels: the row and the playhead go, the channel is closed', async () => {
    const w = world();
    w.runtime.add({ id: 'movie', source: 'clip.mp4' });
    for (const id of ['cfg', 'test', 'clip']) {
      const r = await w.runtime.remove(id);
      expect(r).toMatchObject({ ok: false, code: 'CHANNEL_READ_ONLY' });
      expect(w.registry.get(id)).toBeDefined();
    }
    expect(await w.runtime.remove('nope')).toMatchObject({ ok: false, code: 'UNKNOWN_CHANNEL' });
    const channel = w.registry.get('movie')!;
    expect(await w.runtime.remove('movie')).toEqual({ ok: true, value: 'movie' });
    expect(w.registry.get('movie')).toBeUndefined();
    expect(w.store.list()).toEqual([]);
    expect(w.forgotten).toEqual(['movie']);
    // A closed channel takes no viewer.
    expect(channel.addViewer({ onInit() {}, onFragment() {}, onState() {}, onError() {} })).toMatchObject({ ok: false });
    expect(await w.runtime.remove('movie')).toMatchObject({ ok: false, code: 'UNKNOWN_CHANNEL' });
  });

  it('tells a viewer CHANNEL_DELETED when its channel is deleted, once it is already detached', async () => {
    const w = world();
    w.runtime.add({ id: 'cam', source: 'udp://127.0.0.1:5002' });
    const channel = w.registry.get('cam')!;
    const errors: Array<{ code: string; viewersThen: number }> = [];
    // Its start fails (no such ffmpeg binary): that error is not the one this test waits for.
    const viewer = { onInit() {}, onFragment() {}, onState() {}, onError: (e: { code: string }) => { errors.push({ code: e.code, viewersThen: channel.viewerCount }); } };
    channel.addViewer(viewer);
    await w.runtime.remove('cam');
    expect(errors.at(-1)).toEqual({ code: 'CHANNEL_DELETED', viewersThen: 0 });
  });

  it('makes the stored channels again after the config ones, skipping a clash or a source that no longer passes', () => {
    const db = openDatabase({ dataDir: ':memory:' });
    const first = world(new RuntimeChannelStore(db));
    first.runtime.add({ id: 'movie', source: 'clip.mp4', keepAlive: false, transcode: 'never' });
    first.runtime.add({ id: 'later', source: 'udp://127.0.0.1:5003', openControl: true });
    writeFileSync(path.join(media.dir, 'gone.mp4'), 'x');
    first.runtime.add({ id: 'brief', source: 'gone.mp4' });
    unlinkSync(path.join(media.dir, 'gone.mp4'));

    // The operator has since put a config channel "later" in the file.
    const second = world(new RuntimeChannelStore(db), { channels: [{ id: 'later', source: 'udp://127.0.0.1:9' }] });
    expect(second.registry.get('movie')?.info()).toMatchObject({ origin: 'runtime', kind: 'file', vod: '/vod/clip.mp4' });
    expect(second.registry.get('later')?.info().origin).toBe('config');
    expect(second.registry.get('brief')).toBeUndefined();
    const warned = second.lines.filter((l) => l.level === 'warn').map((l) => [l.msg, l['channel']]);
    expect(warned).toEqual([
      ['stored runtime channel skipped: its id is taken', 'later'],
      ['stored runtime channel skipped: its source no longer passes', 'brief'],
    ]);
    // Skipped rows stay: the file may come back, the config channel may go.
    expect(second.store.list().map((c) => c.id)).toEqual(['movie', 'later', 'brief']);
  });

  it('re-checks stored rows against today\'s rules (a scheme no longer allowed is skipped)', () => {
    const db = openDatabase({ dataDir: ':memory:' });
    world(new RuntimeChannelStore(db)).runtime.add({ id: 'cam', source: 'rtmp://127.0.0.1/live' });
    const narrow = world(new RuntimeChannelStore(db), { allowedSourceSchemes: ['srt'] });
    // world() passes config.allowedSourceSchemes to the service
    expect(narrow.registry.get('cam')).toBeUndefined();
    expect(narrow.lines.some((l) => l.level === 'warn' && l['code'] === 'SOURCE_SCHEME_FORBIDDEN')).toBe(true);
  });

  it('masks the credentials of a runtime source everywhere they could leave: info, logs', () => {
    const w = world();
    const source = 'rtsp://admin:Zq9Pw4Runtime@192.0.2.10:554/stream1?token=Tok3nRuntime77';
    expect(w.runtime.add({ id: 'secretcam', source }).ok).toBe(true);
    const info = JSON.stringify(w.registry.get('secretcam')!.info());
    expect(info).not.toContain('Zq9Pw4Runtime');
    expect(info).not.toContain('Tok3nRuntime77');
    expect(w.raw.join('\n')).not.toMatch(/Zq9Pw4Runtime|Tok3nRuntime77/);
    expect(w.lines.some((l) => l.msg === 'channel added' && l['channel'] === 'secretcam')).toBe(true);
    // The literal secrets are registered too: masked in any shape a tool might print them.
    expect(maskSecrets('ffmpeg said: bad password Zq9Pw4Runtime, Tok3nRuntime77')).toBe('ffmpeg said: bad password ***, ***');
    // …while the database keeps the source as given (local state).
    expect(w.store.list()[0]?.source).toBe(source);
  });
});
