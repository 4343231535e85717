// One queue and its DLQ, wired by a redrive policy as in production, created through the SQS API:
// the local stack, the test files and the bench all make theirs here.
const { CreateQueueCommand, GetQueueAttributesCommand } = require('@aws-sdk/client-sqs');

/** @returns {Promise<{ queueUrl: string, dlqUrl: string }>} */
async function createQueuePair(
  client,
  { queueName, dlqName, maxReceiveCount = 5, visibilityTimeoutSeconds = 30 },
) {
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: dlqName,
      Attributes: { MessageRetentionPeriod: '1209600' },
    }),
  );
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: queueName,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes.QueueArn,
          maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl, dlqUrl: dlq.QueueUrl };
}

module.exports = { createQueuePair };
