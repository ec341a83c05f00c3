// ioredis against tidecache with the library's default options.
//
// usage: node ioredis_client.js PORT [--handshake-only]
//
// Connects with new Redis(port, host) and nothing else, so the library does
// what it does by default: HELLO 3 (falling back to RESP2 when refused),
// CLIENT SETINFO, and the INFO ready check that waits for loading:0. Then it
// runs the commands an application's cache layer uses and checks every
// result. Prints one line per check; exits 1 at the first failure.
'use strict';

const Redis = require('ioredis');
const assert = require('node:assert/strict');
const {
  HOST, announce, check, checkError, checkNoErrors, ok, portArgument, runMain, trackErrors, waitReady, waitUntil,
} = require('./checks');

const SCAN_KEYS = 300;          // keys written for the SCAN check
const PIPELINE_SETS = 100;      // SETs sent in one pipeline
const EXPIRY_PX_MS = 200;       // TTL of the key that must expire
const EXPIRY_WAIT_MS = 5000;    // bound on waiting for it to go
const POLL_STEP_MS = 20;
const TOTAL_MS = 50000;         // bound on the whole program

async function scanAll(r, options) {
  const keys = new Set();
  const stream = r.scanStream(options);
  for await (const batch of stream) {
    for (const key of batch) keys.add(key);
  }
  return keys;
}

async function runChecks(r) {
  check('PING', await r.ping(), 'PONG');
  check('FLUSHALL first', await r.flushall(), 'OK');
  const info = await r.info();
  assert.equal(typeof info, 'string', `INFO: expected a string, got ${JSON.stringify(info)}`);
  assert.match(info, /^# Server\r\n/, 'INFO: expected "# Server" first');
  assert.match(info, /\r\nredis_version:\d+\.\d+\.\d+\r\n/, 'INFO: no redis_version');
  assert.match(info, /\r\nloading:0\r\n/, 'INFO: no loading:0');
  ok('INFO has redis_version and loading:0');

  check('SET k v EX 100', await r.set('k', 'v', 'EX', 100), 'OK');
  const ttl = await r.ttl('k');
  assert.ok(ttl === 99 || ttl === 100, `TTL k: expected 99 or 100, got ${ttl}`);
  ok('TTL k');
  check('GET k', await r.get('k'), 'v');
  check('GET missing', await r.get('missing'), null);
  check('SET k2 v2 EX 100', await r.set('k2', 'v2', 'EX', 100), 'OK');
  check('MGET k missing k2', await r.mget('k', 'missing', 'k2'), ['v', null, 'v2']);

  const binary = Buffer.from([0, 13, 10, 255, 36, 51, 13, 10]);
  check('SET binary value', await r.set('bin', binary, 'EX', 100), 'OK');
  check('GET binary value', await r.getBuffer('bin'), binary);

  const pipe = r.pipeline();
  for (let i = 0; i < PIPELINE_SETS; i++) pipe.set(`p:${i}`, `value-${i}`, 'EX', 100);
  const results = await pipe.exec();
  check(`pipeline of ${PIPELINE_SETS} SET EX`, results, Array.from({ length: PIPELINE_SETS }, () => [null, 'OK']));
  check('MGET of pipelined keys', await r.mget('p:0', 'p:57', `p:${PIPELINE_SETS - 1}`),
    ['value-0', 'value-57', `value-${PIPELINE_SETS - 1}`]);

  // multi() is a MULTI/EXEC transaction.
  const tx = await r.multi().set('tx:a', '1', 'EX', 100).incr('tx:a').get('tx:a').exec();
  check('transaction (MULTI/EXEC)', tx, [[null, 'OK'], [null, 2], [null, '2']]);

  // Commands issued together without awaiting go out back to back as well.
  const parallel = await Promise.all([r.set('a', '1'), r.get('a'), r.incr('a'), r.get('a')]);
  check('back-to-back SET GET INCR GET', parallel, ['OK', '1', 2, '2']);

  check('DEL k k2 missing', await r.del('k', 'k2', 'missing'), 2);
  check('DEL k again', await r.del('k'), 0);
  check('GET deleted k', await r.get('k'), null);

  const fill = r.pipeline();
  for (let i = 0; i < SCAN_KEYS; i++) fill.set(`scan:${i}`, 'x', 'EX', 100);
  await fill.exec();
  const seen = await scanAll(r, { match: 'scan:*', count: 50 });
  const want = new Set(Array.from({ length: SCAN_KEYS }, (_, i) => `scan:${i}`));
  check(`scanStream match scan:* finds all ${SCAN_KEYS} keys`, seen, want);
  const everything = await scanAll(r, {});
  check('scanStream without match finds every key', everything.size, SCAN_KEYS + PIPELINE_SETS + 3); // + bin, a, tx:a

  check('INCR counter (new)', await r.incr('counter'), 1);
  check('INCR counter', await r.incr('counter'), 2);
  check('GET counter', await r.get('counter'), '2');
  await r.set('text', 'abc');
  await checkError('INCR on a non-integer', r.incr('text'), 'ERR value is not an integer or out of range');

  check('SET short PX 200', await r.set('short', 'v', 'PX', EXPIRY_PX_MS), 'OK');
  const pttl = await r.pttl('short');
  assert.ok(pttl > 0 && pttl <= EXPIRY_PX_MS, `PTTL short: expected 1..${EXPIRY_PX_MS}, got ${pttl}`);
  ok('PTTL short');
  await waitUntil(async () => (await r.get('short')) === null, EXPIRY_WAIT_MS, POLL_STEP_MS,
    `key with PX ${EXPIRY_PX_MS} still there after ${EXPIRY_WAIT_MS} ms`);
  ok('key with PX 200 expired');
  check('EXISTS expired key', await r.exists('short'), 0);

  check('FLUSHALL', await r.flushall(), 'OK');
  check('DBSIZE after FLUSHALL', await r.dbsize(), 0);
  check('GET after FLUSHALL', await r.get('p:0'), null);
}

async function main() {
  const port = portArgument();
  const handshakeOnly = process.argv.includes('--handshake-only');
  announce('ioredis', 'ioredis');

  const r = new Redis(port, HOST);
  const errors = trackErrors(r);
  await waitReady(r, errors);
  ok('connected and ready (INFO ready check passed)');
  if (handshakeOnly) {
    check('SET hs v', await r.set('hs', 'v'), 'OK');
    check('GET hs', await r.get('hs'), 'v');
  } else {
    await runChecks(r);
  }
  check('QUIT', await r.quit(), 'OK');
  checkNoErrors(errors);
}

runMain('ioredis', main, TOTAL_MS);
