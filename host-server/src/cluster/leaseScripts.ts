// Station ownership leases in Redis, each one atomic script. KEYS[1] the lease, ARGV[1] this
// instance, ARGV[2] the TTL (ms). claim takes a free lease or renews our own and answers 1, or
// the holder's id; a lease lost to a Redis restart is simply taken again. release frees it only
// if it is still ours.
export const leaseKey = (station: number) => `espfleet:station:${station}:owner`;

export const CLAIM = `local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return cur`;

export const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end return 0`;
