// node-redis (the `redis` npm package) scripts and functions against tidecache
// with the library's default options (RESP3).
//
// usage: node node_redis_scripts.js PORT
//
// createClient({ scripts: { name: defineScript({...}) }, functions: { lib:
// { fn: {...} } } }) gives client.name(...), sent as EVALSHA (EVALSHA_RO for
// IS_READ_ONLY scripts) and resent as EVAL when the server answers NOSCRIPT,
// and client.lib.fn(...), sent as FCALL (FCALL_RO for IS_READ_ONLY
// functions). The program first loads a function library with
// client.functionLoad, then checks: script results, the script cache through
// SCRIPT EXISTS before and after SCRIPT FLUSH, a read-only script, the
// functions (read-write and read-only, an error reply, FUNCTION LIST,
// FUNCTION DELETE), scripts and functions in MULTI/EXEC and in a pipeline,
// and last the conversion of Lua booleans and nil in RESP3.
// Prints one line per check; exits 1 at the first failure.
'use strict';

const { createClient, defineScript } = require('redis');
const {
  HOST, announce, check, checkError, checkNoErrors, connectWithin, ok, portArgument, runMain, sha1, trackErrors,
} = require('./checks');

const TOTAL_MS = 20000;         // bound on the whole program

const INCR_TAG_LUA = "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); return {KEYS[1], ARGV[2], v}";
const READ_LUA = "return {redis.call('GET', KEYS[1]), #ARGV}";
const GET_LUA = "return redis.call('GET', KEYS[1])";
const BOOLS_LUA = 'return {true, false, 1}';

const LIBRARY = [
  '#!lua name=tclib',
  "redis.register_function('incr_tag', function(keys, args)",
  "  local v = redis.call('INCRBY', keys[1], args[1])",
  '  return {keys[1], args[2], v}',
  'end)',
  'redis.register_function{',
  "  function_name = 'peek',",
  "  callback = function(keys, args) return redis.call('GET', keys[1]) end,",
  "  flags = {'no-writes'},",
  '}',
  "redis.register_function('refuse', function(keys, args)",
  "  return redis.error_reply('MYERR refused by tclib')",
  'end)',
].join('\n');

const same = (reply) => reply;

// key, then the remaining arguments as strings
function keyAndArgs(parser, key, ...args) {
  parser.pushKey(key);
  for (const a of args) parser.push(String(a));
}

const scripts = {
  incrTag: defineScript({
    SCRIPT: INCR_TAG_LUA,
    NUMBER_OF_KEYS: 1,
    parseCommand: keyAndArgs,
    transformReply: same,
  }),
  readOnly: defineScript({
    SCRIPT: READ_LUA,
    NUMBER_OF_KEYS: 1,
    IS_READ_ONLY: true,
    parseCommand: keyAndArgs,
    transformReply: same,
  }),
  getVia: defineScript({
    SCRIPT: GET_LUA,
    NUMBER_OF_KEYS: 1,
    parseCommand: keyAndArgs,
    transformReply: same,
  }),
  bools: defineScript({
    SCRIPT: BOOLS_LUA,
    NUMBER_OF_KEYS: 0,
    parseCommand() {},
    transformReply: same,
  }),
};

const functions = {
  tclib: {
    incr_tag: { NUMBER_OF_KEYS: 1, parseCommand: keyAndArgs, transformReply: same },
    peek: { NUMBER_OF_KEYS: 1, IS_READ_ONLY: true, parseCommand: keyAndArgs, transformReply: same },
    refuse: { NUMBER_OF_KEYS: 0, parseCommand() {}, transformReply: same },
  },
};

async function checkScripts(client) {
  const sha = sha1(INCR_TAG_LUA);
  check('defineScript computed the SHA1', scripts.incrTag.SHA1, sha);
  check('SCRIPT EXISTS before first use', await client.scriptExists(sha), [0]);
  check('first call (EVALSHA, NOSCRIPT, EVAL)', await client.incrTag('n', 5, 'a'), ['n', 'a', 5]);
  check('SCRIPT EXISTS after the EVAL', await client.scriptExists(sha), [1]);
  check('second call (EVALSHA)', await client.incrTag('n', 2, 'b'), ['n', 'b', 7]);
  check('SCRIPT FLUSH', await client.scriptFlush(), 'OK');
  check('SCRIPT EXISTS after SCRIPT FLUSH', await client.scriptExists(sha), [0]);
  check('a call after SCRIPT FLUSH (EVALSHA, NOSCRIPT, EVAL)', await client.incrTag('n', 1, 'c'), ['n', 'c', 8]);
  check('SCRIPT EXISTS after the reload', await client.scriptExists(sha), [1]);
  check('GET n', await client.get('n'), '8');

  await client.set('ro', 'value');
  check('IS_READ_ONLY script (EVALSHA_RO, NOSCRIPT, EVAL)', await client.readOnly('ro', 'x', 'y'), ['value', 2]);
  check('IS_READ_ONLY script again (EVALSHA_RO)', await client.readOnly('ro', 'x'), ['value', 1]);
  check('SCRIPT EXISTS for the read-only script', await client.scriptExists(sha1(READ_LUA)), [1]);

  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.incrTag('c', 1, `i${i}`)));
  check('50 concurrent script calls', results.map((x) => x[2]), Array.from({ length: 50 }, (_, i) => i + 1));
}

async function checkFunctions(client) {
  check('FUNCTION LOAD (client.functionLoad)', await client.functionLoad(LIBRARY), 'tclib');
  await checkError('FUNCTION LOAD of the same library again',
    client.functionLoad(LIBRARY), "ERR Library 'tclib' already exists");
  check('FUNCTION LOAD REPLACE', await client.functionLoad(LIBRARY, { REPLACE: true }), 'tclib');
  const list = await client.functionList({ LIBRARYNAME: 'tclib' });
  check('FUNCTION LIST: one library', list.length, 1);
  check('FUNCTION LIST: its name and engine', [list[0].library_name, list[0].engine], ['tclib', 'LUA']);
  check('FUNCTION LIST: its functions', list[0].functions.map((f) => f.name).sort(), ['incr_tag', 'peek', 'refuse']);
  const peek = list[0].functions.find((f) => f.name === 'peek');
  check('FUNCTION LIST: peek is no-writes', [...peek.flags], ['no-writes']);

  check('client.tclib.incr_tag (FCALL)', await client.tclib.incr_tag('f', 5, 'a'), ['f', 'a', 5]);
  check('client.tclib.incr_tag again', await client.tclib.incr_tag('f', 2, 'b'), ['f', 'b', 7]);
  check('client.tclib.peek (FCALL_RO)', await client.tclib.peek('f'), '7');
  await checkError('a function returning redis.error_reply', client.tclib.refuse(), 'MYERR refused by tclib');

  const tx = await client.multi()
    .incrTag('m', 10, 'x')
    .tclib.incr_tag('m', 1, 'y')
    .get('m')
    .tclib.peek('m')
    .exec();
  check('MULTI/EXEC with a script and functions', tx, [['m', 'x', 10], ['m', 'y', 11], '11', '11']);
  check('SCRIPT FLUSH before the pipeline', await client.scriptFlush(), 'OK');
  const piped = await client.multi()
    .incrTag('q', 3, 'x')
    .incrTag('q', 1, 'y')
    .tclib.incr_tag('q', 1, 'z')
    .execAsPipeline();
  check('pipeline with scripts (EVAL first, then EVALSHA) and a function', piped,
    [['q', 'x', 3], ['q', 'y', 4], ['q', 'z', 5]]);

  check('FUNCTION DELETE', await client.functionDelete('tclib'), 'OK');
  await checkError('calling a deleted function', client.tclib.incr_tag('f', 1, 'c'), 'ERR Function not found');
  check('FUNCTION LIST after FUNCTION DELETE', await client.functionList(), []);
}

async function checkBooleans(client) {
  // The script did not call redis.setresp(3), so its Lua booleans are
  // converted as in RESP2 whatever the caller speaks: false (also what
  // redis.call gives for a nil reply) is a null, true is the integer 1
  // (Redis 7.0 script_lua.c). node-redis speaks RESP3.
  check('a nil from redis.call returned by a script', await client.getVia('missing'), null);
  check('Lua true, false, 1 returned by a script', await client.bools(), [1, null, 1]);
  check('FUNCTION LOAD the library again', await client.functionLoad(LIBRARY), 'tclib');
  check('a nil from redis.call returned by a function (FCALL_RO)', await client.tclib.peek('missing'), null);
}

async function main() {
  const port = portArgument();
  announce('node-redis', 'redis');

  const client = createClient({ url: `redis://${HOST}:${port}`, scripts, functions });
  const errors = trackErrors(client);
  await connectWithin(client, errors);
  ok('connected and ready');
  check('FLUSHALL first', await client.flushAll(), 'OK');
  check('SCRIPT FLUSH first', await client.scriptFlush(), 'OK');
  check('FUNCTION FLUSH first', await client.functionFlush(), 'OK');
  await checkScripts(client);
  await checkFunctions(client);
  await checkBooleans(client);
  check('FLUSHALL at the end', await client.flushAll(), 'OK');
  await client.close();
  checkNoErrors(errors);
}

runMain('node-redis scripts and functions', main, TOTAL_MS);
