// Seed 001's signing example, verbatim (apart from the export), run under Node by the tests
// after the TypeScript compiler strips its types.
import crypto from 'crypto';
export function calculateSignature(
method: string,
path: string,
timestamp: string,
body: string,
appSecret: string
): string {
const signString = `${method}${path}${timestamp}${body}`;
return crypto
.createHmac('sha256', appSecret)
.update(signString)
.digest('hex');
}
