/**
 * `npm start`: the local stack. Not built yet: the local gateway, DynamoDB Local launcher and
 * stream poller arrive with the authorizer (see the README's status section).
 */
console.error(
  'The local stack is not built yet: `npm start` will serve the API once the authorizer and local gateway land.',
);
console.error('What exists today: the policy engine and token format (`npm test`, `npm run bench`).');
process.exitCode = 1;
