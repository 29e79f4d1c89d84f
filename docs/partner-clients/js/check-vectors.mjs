// Checks signing.mjs against ../vectors.json: exit 0 when every vector signs as published.
import { readFileSync } from 'node:fs';
import { computeSignature, stringToSign } from './signing.mjs';

const { vectors } = JSON.parse(readFileSync(new URL('../vectors.json', import.meta.url), 'utf8'));
let failed = 0;
for (const v of vectors) {
  const got = computeSignature(v.secret, v.method, v.target, v.timestamp, v.body);
  const ok = got === v.signature && stringToSign(v.method, v.target, v.timestamp, v.body) === v.stringToSign;
  if (!ok) failed += 1;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${v.name}: ${got}\n`);
}
process.exit(failed ? 1 : 0);
