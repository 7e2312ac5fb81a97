import { describe, expect, it } from 'vitest';
import { stageWildcard } from '../../functions/authorizer/handler.js';

describe("the authorizer's policy", () => {
  // A policy scoped to the one method ARN would, once cached, refuse every other route.
  it.each([
    [
      'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/v2/tokens',
      'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*',
    ],
    [
      'arn:aws:execute-api:eu-west-1:123456789012:xyz/dev/PATCH/api/v2/tokens/t1',
      'arn:aws:execute-api:eu-west-1:123456789012:xyz/dev/*',
    ],
  ])('allows the whole stage of %s', (methodArn, expected) => {
    expect(stageWildcard(methodArn)).toBe(expected);
  });
});
