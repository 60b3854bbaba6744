// Bundle entry for the Lua JSON tests: the bundle returns exactly the library's exports.
export * from '../../src/lua/json';
