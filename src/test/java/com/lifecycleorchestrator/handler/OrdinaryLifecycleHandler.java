package com.lifecycleorchestrator.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.lifecycleorchestrator.adapters.ServiceClients;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.settings.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The cold-start benchmark's baseline: the same function wired the ordinary way, its clients from
 * the SDK's default builders ({@code SsmClient.create()} and so on: the default Region and
 * credential provider chains, the default HTTP client found on the class path, the default retry
 * policy, no metric publisher). It is built once per cold start, as Lambda's handler is; only the
 * benchmark's baseline package carries it, never the deployment package.
 */
public final class OrdinaryLifecycleHandler implements RequestStreamHandler {

  private static final LifecycleHandler FUNCTION =
      LifecycleHandler.wiredTo(Settings.fromEnvironment(), new DefaultBuiltClients(), Clock.SYSTEM);

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    FUNCTION.handleRequest(input, output, context);
  }

  /** Each client as {@code create()} builds it; without a metric publisher nothing counts throttling. */
  private static final class DefaultBuiltClients implements ServiceClients {
    @Override
    public SsmClient ssm() {
      return SsmClient.create();
    }

    @Override
    public AutoScalingClient autoScaling() {
      return AutoScalingClient.create();
    }

    @Override
    public LambdaClient lambda() {
      return LambdaClient.create();
    }

    @Override
    public SqsClient sqs() {
      return SqsClient.create();
    }

    @Override
    public long takeThrottledCount() {
      return 0;
    }
  }
}
