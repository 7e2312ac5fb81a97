import { z } from 'zod';

/** The most values one leaked-token report may hold (a secret scanner batches its findings). */
export const MAX_REPORTED_VALUES = 100;

/**
 * `POST /tokens/leaked`: the values a secret scanner found. Any strings are accepted (a value that
 * is no token is simply not one); each is bounded, so a report costs at most 100 hashes.
 */
export const leakReportSchema = z.strictObject({
  tokens: z
    .array(z.string().min(1).max(256))
    .min(1, 'at least one value is required')
    .max(MAX_REPORTED_VALUES, `at most ${MAX_REPORTED_VALUES} values per report`)
    .describe('The values found: access tokens (`atk_…`) as they were found, 1 to 100 per report'),
});

/** The one answer to every accepted report, whatever it matched: the report is no oracle. */
export const leakReportAnswerSchema = z
  .strictObject({
    message: z.string(),
  })
  .meta({ id: 'LeakReportReceived' });

export const LEAK_REPORT_ANSWER = {
  message: 'Received: every live access token among the reported values is revoked',
} as const satisfies z.infer<typeof leakReportAnswerSchema>;
