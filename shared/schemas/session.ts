import { z } from 'zod';

/** `POST /sessions`: the console's sign-in, an ID token from the issuer and the nonce it was asked with. */
export const signInSchema = z.strictObject({
  idToken: z
    .string()
    .min(1, 'must not be empty')
    .max(16_384, 'must be at most 16384 characters')
    .describe("The OpenID Connect ID token from the issuer's token endpoint (a JWT)"),
  nonce: z
    .string()
    .min(1, 'must not be empty')
    .max(512, 'must be at most 512 characters')
    .describe('The nonce the console generated for this sign-in and sent with its authorization request'),
});
