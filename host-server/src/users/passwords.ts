// Password hashing: Argon2id (memory-hard) with OWASP's minimum parameters, from @node-rs/argon2,
// whose prebuilt binary comes inside its npm package. The PHC string keeps the parameters, so
// hashes made with other parameters still verify.
import { hash, verify, type Algorithm } from '@node-rs/argon2';

// Algorithm is a const enum, which isolated modules cannot read: Argon2id is its 2.
const ARGON2ID = 2 as Algorithm;
const PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function passwordMatches(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    // A stored value that is not a PHC string matches nothing.
    return false;
  }
}
