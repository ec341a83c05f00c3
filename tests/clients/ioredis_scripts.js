// ioredis custom commands (defineCommand, i.e. Lua scripts) against tidecache
// with the library's default options.
//
// usage: node ioredis_scripts.js PORT
//
// redis.defineCommand(name, { numberOfKeys, lua }) gives a method that sends
// EVAL the first time on a connection and EVALSHA afterwards, and resends
// as EVAL when the server answers NOSCRIPT (after SCRIPT FLUSH, say). This
// program defines such commands and checks: their results (integers, bulk
// strings, nested arrays, status and error replies), the *Buffer variant, a
// command without a fixed numberOfKeys, the script cache seen through SCRIPT
// EXISTS before and after SCRIPT FLUSH, the custom commands inside a
// pipeline (also after SCRIPT FLUSH) and a MULTI transaction, a second
// connection, and last the conversion of Lua booleans and nil in RESP3.
// Prints one line per check; exits 1 at the first failure.
'use strict';

const Redis = require('ioredis');
const {
  HOST, announce, check, checkError, checkNoErrors, ok, portArgument, runMain, sha1, trackErrors, waitReady,
} = require('./checks');

const TOTAL_MS = 20000;         // bound on the whole program

const INCR_TAG_LUA = "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); return {KEYS[1], ARGV[2], v}";
const SHAPES_LUA = "return {1, 'two', {3, 'four'}, redis.status_reply('FINE')}";
const BOOLS_LUA = 'return {true, false, 1}';
const SUM_KEYS_LUA = [
  'local total = 0',
  'for i, k in ipairs(KEYS) do total = total + tonumber(redis.call("GET", k) or "0") end',
  'return total + #ARGV',
].join('\n');
const FAIL_LUA = "return redis.error_reply('MYERR custom failure')";
const GET_LUA = "return redis.call('GET', KEYS[1])";

async function runChecks(r) {
  check('FLUSHALL first', await r.flushall(), 'OK');
  check('SCRIPT FLUSH first', await r.script('FLUSH'), 'OK');

  r.defineCommand('incrTag', { numberOfKeys: 1, lua: INCR_TAG_LUA });
  r.defineCommand('shapes', { numberOfKeys: 0, lua: SHAPES_LUA });
  r.defineCommand('sumKeys', { lua: SUM_KEYS_LUA });      // numberOfKeys given per call
  r.defineCommand('failing', { numberOfKeys: 0, lua: FAIL_LUA });
  r.defineCommand('getVia', { numberOfKeys: 1, lua: GET_LUA });
  r.defineCommand('bools', { numberOfKeys: 0, lua: BOOLS_LUA });
  const sha = sha1(INCR_TAG_LUA);

  check('SCRIPT EXISTS before first use', await r.script('EXISTS', sha), [0]);
  check('first call (EVAL)', await r.incrTag('n', 5, 'a'), ['n', 'a', 5]);
  check('SCRIPT EXISTS after the EVAL', await r.script('EXISTS', sha), [1]);
  check('second call (EVALSHA)', await r.incrTag('n', 2, 'b'), ['n', 'b', 7]);
  check('SCRIPT FLUSH', await r.script('FLUSH'), 'OK');
  check('SCRIPT EXISTS after SCRIPT FLUSH', await r.script('EXISTS', sha), [0]);
  check('a call after SCRIPT FLUSH (EVALSHA, NOSCRIPT, EVAL)', await r.incrTag('n', 1, 'c'), ['n', 'c', 8]);
  check('SCRIPT EXISTS after the fallback', await r.script('EXISTS', sha), [1]);
  check('GET n', await r.get('n'), '8');

  check('incrTagBuffer returns Buffers and integers',
    await r.incrTagBuffer('n', 2, 'd'), [Buffer.from('n'), Buffer.from('d'), 10]);
  const binary = Buffer.from([0, 13, 10, 255, 36, 51]);
  await r.set('bin', binary);
  check('a binary value through a script', await r.getViaBuffer('bin'), binary);
  check('nested arrays and a status reply', await r.shapes(), [1, 'two', [3, 'four'], 'FINE']);
  await r.set('s1', '10');
  await r.set('s2', '32');
  check('numberOfKeys per call: sumKeys(2, s1, s2, x)', await r.sumKeys(2, 's1', 's2', 'x'), 43);
  check('numberOfKeys per call: sumKeys(1, s1)', await r.sumKeys(1, 's1'), 10);
  await checkError('redis.error_reply rejects the promise', r.failing(), 'MYERR custom failure');

  // Pipelines. With the scripts known to the server every custom command is
  // an EVALSHA and the replies come back in order.
  await r.del('p', 'q');
  const first = await r.pipeline().incrTag('p', 10, 'x').get('p').incrTag('p', 1, 'y').shapes().exec();
  check('pipeline with custom commands', first,
    [[null, ['p', 'x', 10]], [null, '10'], [null, ['p', 'y', 11]], [null, [1, 'two', [3, 'four'], 'FINE']]]);
  // After SCRIPT FLUSH each EVALSHA of the pipeline is answered NOSCRIPT and
  // ioredis sends it again, as EVAL, after the pipeline: the replies are
  // right, but commands queued between them may run first, so the two calls
  // touch different keys here.
  check('SCRIPT FLUSH between pipelines', await r.script('FLUSH'), 'OK');
  const again = await r.pipeline().incrTag('p', 1, 'z').incrTag('q', 5, 'w').exec();
  check('pipeline after SCRIPT FLUSH (NOSCRIPT answered, resent as EVAL)', again,
    [[null, ['p', 'z', 12]], [null, ['q', 'w', 5]]]);
  check('SCRIPT EXISTS after the pipeline', await r.script('EXISTS', sha), [1]);
  check('GET p after the pipelines', await r.get('p'), '12');

  const tx = await r.multi().incrTag('p', 3, 't').get('p').exec();
  check('MULTI/EXEC with a custom command', tx, [[null, ['p', 't', 15]], [null, '15']]);

  // Many calls in flight at once on one connection.
  await r.set('c', '0');
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => r.incrTag('c', 1, `i${i}`)));
  check('50 concurrent calls', results.map((x) => x[2]), Array.from({ length: 50 }, (_, i) => i + 1));

  // ioredis speaks RESP3. A script that did not call redis.setresp(3) has
  // its Lua booleans converted as in RESP2 whatever the caller speaks: false
  // (also what redis.call gives for a nil reply) is a null, true is the
  // integer 1 (Redis 7.0 script_lua.c).
  check('a nil from redis.call returned by a script', await r.getVia('missing'), null);
  check('Lua true, false, 1 returned by a script', await r.bools(), [1, null, 1]);

  check('FLUSHALL at the end', await r.flushall(), 'OK');
}

async function main() {
  const port = portArgument();
  announce('ioredis', 'ioredis');

  const r = new Redis(port, HOST);
  const errors = trackErrors(r);
  await waitReady(r, errors);
  ok('connected and ready');
  await runChecks(r);

  // A second connection has not sent the script yet: it starts with EVAL.
  const other = new Redis(port, HOST);
  trackErrors(other, errors);
  await waitReady(other, errors);
  other.defineCommand('incrTag', { numberOfKeys: 1, lua: INCR_TAG_LUA });
  check('the same command on a second connection', await other.incrTag('o', 4, 'q'), ['o', 'q', 4]);
  check('QUIT second connection', await other.quit(), 'OK');

  check('QUIT', await r.quit(), 'OK');
  checkNoErrors(errors);
}

runMain('ioredis scripts', main, TOTAL_MS);
