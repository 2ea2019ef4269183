package com.lifecycleorchestrator.adapters;

import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The SDK clients the function calls AWS through. {@link AwsClients} builds them for Lambda; the
 * handler's wiring asks for nothing more, so that clients built another way (the cold-start
 * benchmark's baseline, built with the SDK's defaults) run the same function.
 */
public interface ServiceClients {

  SsmClient ssm();

  AutoScalingClient autoScaling();

  LambdaClient lambda();

  SqsClient sqs();

  /** The attempts AWS throttled since this was last asked. */
  long takeThrottledCount();
}
