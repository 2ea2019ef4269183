package com.lifecycleorchestrator.adapters;

import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The cold-start benchmark's baseline clients: each as {@code create()} builds it (the default
 * Region and credential provider chains, the default HTTP client found on the class path, the
 * default retry policy, no metric publisher, so nothing counts throttling), all four at once, as an
 * ordinary function builds them.
 */
public final class SdkDefaultClients {

  private SdkDefaultClients() {}

  public static AwsClients create() {
    LambdaClient lambda = LambdaClient.create();
    SqsClient sqs = SqsClient.create();
    return new AwsClients(SsmClient.create(), AutoScalingClient.create(), () -> lambda, () -> sqs, () -> 0);
  }
}
