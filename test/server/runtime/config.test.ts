import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, resolveConfig, type Config, type ResolveInput } from '../../../server/runtime/config.js';

type Env = ResolveInput['env'];

/** Files the injected reader knows; any other path fails like a missing file. */
const FILES: Record<string, string> = {
  'full.json': JSON.stringify({ port: 9000, host: '127.0.0.1', mediaDir: '/srv/media', fragmentMs: 500, corsOrigins: ['*'] }),
  'channels.json': JSON.stringify({ channels: [{ id: 'cam', source: 'rtsp://cam/1', keepAlive: true, transcode: 'never' }] }),
  'test-off.json': JSON.stringify({ testPattern: false, channels: [{ id: 'test', source: 'x.mp4' }] }),
  'ffmpeg-null.json': JSON.stringify({ ffmpegPath: null }),
  'ffmpeg.json': JSON.stringify({ ffmpegPath: '/opt/ffmpeg' }),
  'empty.json': '{}',
  'bad.json': '{ "port": ',
  'array.json': '[]',
  'null.json': 'null',
  'unknown.json': JSON.stringify({ prot: 1 }),
  'port-string.json': JSON.stringify({ port: '80' }),
  'port-big.json': JSON.stringify({ port: 70000 }),
  'port-frac.json': JSON.stringify({ port: 80.5 }),
  'port-neg.json': JSON.stringify({ port: -1 }),
  'dev-string.json': JSON.stringify({ dev: 'yes' }),
  'channels-object.json': JSON.stringify({ channels: { id: 'a' } }),
  'channel-no-source.json': JSON.stringify({ channels: [{ id: 'a' }] }),
  'channel-not-object.json': JSON.stringify({ channels: ['a=b'] }),
  'channel-empty-source.json': JSON.stringify({ channels: [{ id: 'a', source: '  ' }] }),
  'channel-transcode.json': JSON.stringify({ channels: [{ id: 'a', source: 'x', transcode: 'sometimes' }] }),
  'channel-typo.json': JSON.stringify({ channels: [{ id: 'a', source: 'x', keepalive: true }] }),
  'channel-keepalive.json': JSON.stringify({ channels: [{ id: 'a', source: 'x', keepAlive: 'yes' }] }),
  'channel-dup.json': JSON.stringify({ channels: [{ id: 'a', source: 'x' }, { id: 'a', source: 'y' }] }),
  'cors-numbers.json': JSON.stringify({ corsOrigins: [1] }),
  'fragment-small.json': JSON.stringify({ fragmentMs: 10 }),
  'fragment-big.json': JSON.stringify({ fragmentMs: 10_001 }),
  'keyframe-zero.json': JSON.stringify({ keyframeIntervalSec: 0 }),
  'keyframe-big.json': JSON.stringify({ keyframeIntervalSec: 11 }),
  'restart.json': JSON.stringify({ restartMinMs: 5000, restartMaxMs: 1000 }),
  'negative.json': JSON.stringify({ idleStopMs: -5 }),
  'schemes.json': JSON.stringify({ allowedSourceSchemes: ['srt', 'https'] }),
  'schemes-file.json': JSON.stringify({ allowedSourceSchemes: ['udp', 'file'] }),
  'schemes-upper.json': JSON.stringify({ allowedSourceSchemes: ['UDP'] }),
  'schemes-string.json': JSON.stringify({ allowedSourceSchemes: 'udp' }),
};

function resolve(argv: string[], env: Env = {}): Config | 'help' {
  return resolveConfig({
    argv,
    env,
    readFile: (p) => {
      const text = FILES[p];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
      return text;
    },
  });
}

describe('resolveConfig: values', () => {
  it('no flags, no env, no file → DEFAULTS', () => {
    expect(resolve([])).toEqual(DEFAULTS);
  });

  it.each<[string, string[], Env, Partial<Config>]>([
    ['--port', ['--port', '9100'], {}, { port: 9100 }],
    ['--port=', ['--port=9101'], {}, { port: 9101 }],
    ['--port 0 picks a free port', ['--port', '0'], {}, { port: 0 }],
    ['--port 65535', ['--port', '65535'], {}, { port: 65535 }],
    ['--host and --media', ['--host', '::1', '--media', '/videos'], {}, { host: '::1', mediaDir: '/videos' }],
    ['--no-test-pattern and --dev', ['--no-test-pattern', '--dev'], {}, { testPattern: false, dev: true }],
    ['env PORT, HOST, MEDIA_DIR, FFMPEG_PATH', [], { PORT: '7000', HOST: '10.0.0.1', MEDIA_DIR: '/m', FFMPEG_PATH: '/bin/ff' }, { port: 7000, host: '10.0.0.1', mediaDir: '/m', ffmpegPath: '/bin/ff' }],
    ['empty env values are ignored', [], { PORT: '', HOST: '', MEDIA_DIR: '', FFMPEG_PATH: '' }, {}],
    ['unrelated env is ignored', [], { DEV: '1', TEST_PATTERN: '0' }, {}],
    // Precedence: DEFAULTS < file < env < CLI.
    ['file over DEFAULTS', ['--config', 'full.json'], {}, { port: 9000, host: '127.0.0.1', mediaDir: '/srv/media', fragmentMs: 500, corsOrigins: ['*'] }],
    ['env over file', ['--config', 'full.json'], { PORT: '9001', HOST: '0.0.0.0' }, { port: 9001, host: '0.0.0.0', mediaDir: '/srv/media', fragmentMs: 500, corsOrigins: ['*'] }],
    ['CLI over env over file', ['--config', 'full.json', '--port', '9002', '--media', 'cli'], { PORT: '9001', MEDIA_DIR: 'env' }, { port: 9002, host: '127.0.0.1', mediaDir: 'cli', fragmentMs: 500, corsOrigins: ['*'] }],
    ['CLI before --config still wins over the file', ['--port', '9003', '--config', 'full.json'], {}, { port: 9003, host: '127.0.0.1', mediaDir: '/srv/media', fragmentMs: 500, corsOrigins: ['*'] }],
    ['env FFMPEG_PATH over the file', ['--config', 'ffmpeg.json'], { FFMPEG_PATH: '/env/ffmpeg' }, { ffmpegPath: '/env/ffmpeg' }],
    ['ffmpegPath from the file', ['--config', 'ffmpeg.json'], {}, { ffmpegPath: '/opt/ffmpeg' }],
    ['ffmpegPath null in the file', ['--config', 'ffmpeg-null.json'], {}, { ffmpegPath: null }],
    ['an empty file object', ['--config=empty.json'], {}, {}],
    // Channels: file first, then --channel in order.
    ['--channel', ['--channel', 'cam=rtsp://10.0.0.2/live'], {}, { channels: [{ id: 'cam', source: 'rtsp://10.0.0.2/live' }] }],
    ['--channel=', ['--channel=cam=udp://@:1234'], {}, { channels: [{ id: 'cam', source: 'udp://@:1234' }] }],
    ['--channel source with = and spaces', ['--channel', 'a=http://x/y?a=1&b=2', '--channel', 'b.2=/v/my movie.mp4'], {}, {
      channels: [{ id: 'a', source: 'http://x/y?a=1&b=2' }, { id: 'b.2', source: '/v/my movie.mp4' }],
    }],
    ['file channels, then CLI channels', ['--channel', 'b=x.mp4', '--config', 'channels.json'], {}, {
      channels: [{ id: 'cam', source: 'rtsp://cam/1', keepAlive: true, transcode: 'never' }, { id: 'b', source: 'x.mp4' }],
    }],
    ['"test" is free once the test pattern is off', ['--config', 'test-off.json'], {}, { testPattern: false, channels: [{ id: 'test', source: 'x.mp4' }] }],
    ['--channel test with --no-test-pattern', ['--no-test-pattern', '--channel', 'test=a.mp4'], {}, { testPattern: false, channels: [{ id: 'test', source: 'a.mp4' }] }],
    ['allowedSourceSchemes from the file', ['--config', 'schemes.json'], {}, { allowedSourceSchemes: ['srt', 'https'] }],
    ['env ALLOWED_SOURCE_SCHEMES over the file', ['--config', 'schemes.json'], { ALLOWED_SOURCE_SCHEMES: 'rtsp, srt' }, { allowedSourceSchemes: ['rtsp', 'srt'] }],
  ])('%s', (_name, argv, env, expected) => {
    expect(resolve(argv, env)).toEqual({ ...DEFAULTS, ...expected });
  });

  it.each<[string, string[]]>([
    ['--help', ['--help']],
    ['-h', ['-h']],
    ['--help after other flags', ['--port', '1', '--help']],
    ['--help before an unknown flag', ['--help', '--bogus']],
    ['--help with a missing config file', ['--config', 'missing.json', '--help']],
  ])('%s → help', (_name, argv) => {
    expect(resolve(argv)).toBe('help');
  });

  it('returns fresh channel objects and arrays (DEFAULTS are never shared or changed)', () => {
    const a = resolve(['--config', 'full.json']) as Config;
    a.corsOrigins.push('x');
    a.channels.push({ id: 'z', source: 'z' });
    expect(DEFAULTS.corsOrigins).toEqual([]);
    expect(DEFAULTS.channels).toEqual([]);
    expect((resolve(['--config', 'full.json']) as Config).corsOrigins).toEqual(['*']);
  });
});

describe('resolveConfig: errors', () => {
  it.each<[string, string[], Env, string | RegExp]>([
    // flags
    ['an unknown flag', ['--prot', '80'], {}, 'unknown option "--prot" (see --help)'],
    ['an unknown flag with =', ['--verbose=1'], {}, 'unknown option "--verbose=1" (see --help)'],
    ['a positional argument', ['serve'], {}, 'unknown option "serve" (see --help)'],
    ['a single-dash flag', ['-p', '80'], {}, 'unknown option "-p" (see --help)'],
    ['a value flag at the end', ['--port'], {}, '--port needs a value'],
    ['a value flag followed by a flag', ['--host', '--dev'], {}, '--host needs a value'],
    ['--channel with no value', ['--channel'], {}, '--channel needs a value'],
    ['a switch given a value', ['--dev=false'], {}, '--dev takes no value, got "--dev=false"'],
    ['--no-test-pattern given a value', ['--no-test-pattern=0'], {}, /--no-test-pattern takes no value/],
    // ports
    ['a port that is not a number', ['--port', 'http'], {}, '--port: port must be a whole number, got "http"'],
    ['a negative port', ['--port=-1'], {}, '--port: port must be a whole number, got "-1"'],
    ['a fractional port', ['--port', '80.5'], {}, /--port: port must be a whole number/],
    ['a port in hex', ['--port', '0x50'], {}, /--port: port must be a whole number/],
    ['an empty --port=', ['--port='], {}, '--port: port must be a whole number, got ""'],
    ['a port above 65535', ['--port', '65536'], {}, '--port: port must be 0–65535, got 65536'],
    ['a bad env PORT', [], { PORT: '80a' }, 'PORT: port must be a whole number, got "80a"'],
    ['env PORT above 65535', [], { PORT: '99999' }, 'PORT: port must be 0–65535, got 99999'],
    ['a file port that is a string', ['--config', 'port-string.json'], {}, 'port-string.json: "port" must be number, got string'],
    ['a file port above 65535', ['--config', 'port-big.json'], {}, /port must be a whole number 0–65535, got 70000/],
    ['a fractional file port', ['--config', 'port-frac.json'], {}, /port must be a whole number 0–65535, got 80.5/],
    ['a negative file port', ['--config', 'port-neg.json'], {}, /port must be a non-negative number, got -1/],
    // --channel
    ['--channel without =', ['--channel', 'cam'], {}, '--channel expects <id>=<source>, got "cam"'],
    ['--channel without an id', ['--channel', '=rtsp://x'], {}, '--channel expects <id>=<source>, got "=rtsp://x"'],
    ['--channel without a source', ['--channel', 'cam='], {}, '--channel expects <id>=<source>, got "cam="'],
    ['--channel= empty', ['--channel='], {}, '--channel expects <id>=<source>, got ""'],
    // allowedSourceSchemes (channels added at runtime)
    ['a scheme that reads local files', ['--config', 'schemes-file.json'], {}, 'allowedSourceSchemes: "file" reads local files or nested inputs and is never allowed'],
    ['concat: from the env', [], { ALLOWED_SOURCE_SCHEMES: 'udp,concat' }, /"concat" reads local files/],
    ['an upper-case scheme', ['--config', 'schemes-upper.json'], {}, 'allowedSourceSchemes: "UDP" is not a lowercase URL scheme'],
    ['a scheme with "://"', [], { ALLOWED_SOURCE_SCHEMES: 'udp://' }, /"udp:\/\/" is not a lowercase URL scheme/],
    ['a string instead of a list', ['--config', 'schemes-string.json'], {}, 'schemes-string.json: "allowedSourceSchemes" must be array, got string'],
    ['--channel with a bad id', ['--channel', 'my cam=x'], {}, /channel id "my cam" may only use/],
    ['--channel id starting with a dot', ['--channel', '.hidden=x'], {}, /channel id ".hidden" may only use/],
    ['--channel id of 129 characters', ['--channel', `${'a'.repeat(129)}=x`], {}, /may only use letters, digits/],
    ['--channel with a blank source', ['--channel', 'cam= '], {}, 'channel "cam" has an empty source'],
    ['--channel test while the test pattern is on', ['--channel', 'test=x'], {}, /"test" is taken by the test pattern/],
    ['duplicate --channel ids', ['--channel', 'a=x', '--channel', 'a=y'], {}, 'channel id "a" is defined twice'],
    ['a --channel id that the file already uses', ['--config', 'channels.json', '--channel', 'cam=y'], {}, 'channel id "cam" is defined twice'],
    // config file
    ['a missing config file', ['--config', 'missing.json'], {}, /^--config missing\.json: cannot read \(ENOENT/],
    ['invalid JSON', ['--config', 'bad.json'], {}, /^--config bad\.json: invalid JSON/],
    ['a JSON array', ['--config', 'array.json'], {}, 'array.json: must hold a JSON object'],
    ['JSON null', ['--config', 'null.json'], {}, 'null.json: must hold a JSON object'],
    ['an unknown file key', ['--config', 'unknown.json'], {}, 'unknown.json: unknown key "prot"'],
    ['a boolean given as a string', ['--config', 'dev-string.json'], {}, 'dev-string.json: "dev" must be boolean, got string'],
    ['channels as an object', ['--config', 'channels-object.json'], {}, 'channels-object.json: "channels" must be array, got object'],
    ['a channel without a source', ['--config', 'channel-no-source.json'], {}, 'each channel needs a string "id" and "source"'],
    ['a channel that is a string', ['--config', 'channel-not-object.json'], {}, 'each channel needs a string "id" and "source"'],
    ['a channel with a blank source', ['--config', 'channel-empty-source.json'], {}, 'channel "a" has an empty source'],
    ['a channel with a bad transcode policy', ['--config', 'channel-transcode.json'], {}, 'channel "a": transcode must be auto, always or never'],
    ['a channel with an unknown key', ['--config', 'channel-typo.json'], {}, 'channel "a": unknown key "keepalive"'],
    ['a channel with a non-boolean keepAlive', ['--config', 'channel-keepalive.json'], {}, 'channel "a": keepAlive must be true or false'],
    ['duplicate ids in the file', ['--config', 'channel-dup.json'], {}, 'channel id "a" is defined twice'],
    ['corsOrigins that are not strings', ['--config', 'cors-numbers.json'], {}, 'corsOrigins must be strings'],
    // ranges
    ['fragmentMs below 20', ['--config', 'fragment-small.json'], {}, 'fragmentMs must be 20–10000, got 10'],
    ['fragmentMs above 10000', ['--config', 'fragment-big.json'], {}, 'fragmentMs must be 20–10000, got 10001'],
    ['keyframeIntervalSec 0', ['--config', 'keyframe-zero.json'], {}, /keyframeIntervalSec must be in \(0, 10\]/],
    ['keyframeIntervalSec 11', ['--config', 'keyframe-big.json'], {}, /keyframeIntervalSec must be in \(0, 10\]/],
    ['restartMinMs above restartMaxMs', ['--config', 'restart.json'], {}, 'restartMinMs must not exceed restartMaxMs'],
    ['a negative duration', ['--config', 'negative.json'], {}, 'idleStopMs must be a non-negative number, got -5'],
  ])('%s', (_name, argv, env, message) => {
    let caught: unknown;
    try {
      resolve(argv, env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    if (typeof message === 'string') expect((caught as Error).message).toBe(message);
    else expect((caught as Error).message).toMatch(message);
  });
});
