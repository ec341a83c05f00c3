// node-redis (the `redis` npm package) against tidecache with the library's
// default options.
//
// usage: node node_redis_client.js PORT [--handshake-only]
//
// Connects with createClient({ url }) and nothing else, so the library does
// what it does by default (HELLO 3, CLIENT SETINFO, ...). Then it runs the
// commands an application's cache layer uses and checks every result.
// Prints one line per check; exits 1 at the first failure.
'use strict';

const { createClient, RESP_TYPES } = require('redis');
const assert = require('node:assert/strict');
const {
  HOST, announce, check, checkError, checkNoErrors, connectWithin, ok, portArgument, runMain, trackErrors, waitUntil,
} = require('./checks');

const SCAN_KEYS = 300;          // keys written for the SCAN check
const PIPELINE_SETS = 100;      // SETs sent in one pipeline
const EXPIRY_PX_MS = 200;       // TTL of the key that must expire
const EXPIRY_WAIT_MS = 5000;    // bound on waiting for it to go
const POLL_STEP_MS = 20;
const TOTAL_MS = 50000;         // bound on the whole program

async function scanAll(client, options) {
  const keys = new Set();
  for await (const batch of client.scanIterator(options)) {
    for (const key of batch) keys.add(key);
  }
  return keys;
}

async function runChecks(client) {
  check('PING', await client.ping(), 'PONG');
  check('FLUSHALL first', await client.flushAll(), 'OK');

  check('SET k v EX 100', await client.set('k', 'v', { EX: 100 }), 'OK');
  const ttl = await client.ttl('k');
  assert.ok(ttl === 99 || ttl === 100, `TTL k: expected 99 or 100, got ${ttl}`);
  ok('TTL k');
  check('GET k', await client.get('k'), 'v');
  check('GET missing', await client.get('missing'), null);
  check('SET k2 v2 EX 100', await client.set('k2', 'v2', { EX: 100 }), 'OK');
  check('MGET k missing k2', await client.mGet(['k', 'missing', 'k2']), ['v', null, 'v2']);

  const binary = Buffer.from([0, 13, 10, 255, 36, 51, 13, 10]);
  check('SET binary value', await client.set('bin', binary, { EX: 100 }), 'OK');
  const buffers = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  check('GET binary value', await buffers.get('bin'), binary);

  const pipe = client.multi();
  for (let i = 0; i < PIPELINE_SETS; i++) pipe.set(`p:${i}`, `value-${i}`, { EX: 100 });
  check(`pipeline of ${PIPELINE_SETS} SET EX`, await pipe.execAsPipeline(), Array(PIPELINE_SETS).fill('OK'));
  check('MGET of pipelined keys', await client.mGet(['p:0', 'p:57', `p:${PIPELINE_SETS - 1}`]),
    ['value-0', 'value-57', `value-${PIPELINE_SETS - 1}`]);

  // Commands issued together without awaiting go out in one write.
  const parallel = await Promise.all([client.set('a', '1'), client.get('a'), client.incr('a'), client.get('a')]);
  check('back-to-back SET GET INCR GET', parallel, ['OK', '1', 2, '2']);

  check('DEL k k2 missing', await client.del(['k', 'k2', 'missing']), 2);
  check('DEL k again', await client.del('k'), 0);
  check('GET deleted k', await client.get('k'), null);

  const fill = client.multi();
  for (let i = 0; i < SCAN_KEYS; i++) fill.set(`scan:${i}`, 'x', { EX: 100 });
  await fill.execAsPipeline();
  const seen = await scanAll(client, { MATCH: 'scan:*', COUNT: 50 });
  const want = new Set(Array.from({ length: SCAN_KEYS }, (_, i) => `scan:${i}`));
  check(`scanIterator MATCH scan:* finds all ${SCAN_KEYS} keys`, seen, want);
  const everything = await scanAll(client, {});
  check('scanIterator without MATCH finds every key', everything.size, SCAN_KEYS + PIPELINE_SETS + 2);

  check('INCR counter (new)', await client.incr('counter'), 1);
  check('INCR counter', await client.incr('counter'), 2);
  check('GET counter', await client.get('counter'), '2');
  await client.set('text', 'abc');
  await checkError('INCR on a non-integer', client.incr('text'), 'ERR value is not an integer or out of range');

  check('SET short PX 200', await client.set('short', 'v', { PX: EXPIRY_PX_MS }), 'OK');
  const pttl = await client.pTTL('short');
  assert.ok(pttl > 0 && pttl <= EXPIRY_PX_MS, `PTTL short: expected 1..${EXPIRY_PX_MS}, got ${pttl}`);
  ok('PTTL short');
  await waitUntil(async () => (await client.get('short')) === null, EXPIRY_WAIT_MS, POLL_STEP_MS,
    `key with PX ${EXPIRY_PX_MS} still there after ${EXPIRY_WAIT_MS} ms`);
  ok('key with PX 200 expired');
  check('EXISTS expired key', await client.exists('short'), 0);

  check('FLUSHALL', await client.flushAll(), 'OK');
  check('DBSIZE after FLUSHALL', await client.dbSize(), 0);
  check('GET after FLUSHALL', await client.get('p:0'), null);
}

async function main() {
  const port = portArgument();
  const handshakeOnly = process.argv.includes('--handshake-only');
  announce('node-redis', 'redis');

  const client = createClient({ url: `redis://${HOST}:${port}` });
  const errors = trackErrors(client);
  await connectWithin(client, errors);
  ok('connected and ready');
  if (handshakeOnly) {
    check('SET hs v', await client.set('hs', 'v'), 'OK');
    check('GET hs', await client.get('hs'), 'v');
  } else {
    await runChecks(client);
  }
  await client.close();
  checkNoErrors(errors);
}

runMain('node-redis', main, TOTAL_MS);
