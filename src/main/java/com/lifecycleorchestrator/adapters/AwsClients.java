package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Timings;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The function's AWS clients, each built once per cold start: one light HTTP client shared by all,
 * the Region and credentials read straight from the Lambda environment rather than searched for
 * along the default provider chains, and the SDK's standard retry strategy with enough attempts to
 * ride out throttling. The SSM and Auto Scaling clients, which every lifecycle action needs, are
 * built with this; the Lambda and SQS clients, which only a hand-over or a parking needs, when first
 * asked for, so that an on-demand cold start does not wait for them. Endpoints are left to the SDK,
 * so its standard variables ({@code AWS_ENDPOINT_URL}, {@code AWS_ENDPOINT_URL_SSM}, ...) point the
 * function elsewhere without code of ours.
 */
public final class AwsClients implements AutoCloseable {

  private final SsmClient ssm;
  private final AutoScalingClient autoScaling;
  private final BuiltOnce<LambdaClient> lambda;
  private final BuiltOnce<SqsClient> sqs;
  private final LongSupplier throttledCount;

  /**
   * @param lambda builds the Lambda client, at most once
   * @param sqs builds the SQS client, at most once
   * @param throttledCount the attempts AWS throttled since it was last asked
   */
  AwsClients(SsmClient ssm, AutoScalingClient autoScaling, Supplier<LambdaClient> lambda, Supplier<SqsClient> sqs,
      LongSupplier throttledCount) {
    this.ssm = ssm;
    this.autoScaling = autoScaling;
    this.lambda = new BuiltOnce<>(lambda);
    this.sqs = new BuiltOnce<>(sqs);
    this.throttledCount = throttledCount;
  }

  /**
   * Clients for the Region Lambda runs the function in. With SnapStart, Lambda serves the
   * function's credentials from a container endpoint instead of environment variables; both are
   * the Lambda environment, and whichever it offers is used.
   */
  public static AwsClients forLambdaEnvironment(String region, Timings.Sdk sdk) {
    return of(region, System.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") != null
        ? ContainerCredentialsProvider.builder().build()
        : EnvironmentVariableCredentialsProvider.create(), sdk);
  }

  /** Clients with the given credentials: for runs outside Lambda, such as the tests. */
  public static AwsClients of(String region, AwsCredentialsProvider credentials, Timings.Sdk sdk) {
    SdkHttpClient http = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(2))
        .socketTimeout(Duration.ofSeconds(10))
        .build();
    return over(region, credentials, http, sdk);
  }

  /** Clients that send their requests through the given transport instead: for priming. */
  static AwsClients over(String region, AwsCredentialsProvider credentials, SdkHttpClient http, Timings.Sdk sdk) {
    ThrottledAttempts throttledAttempts = new ThrottledAttempts();
    Configuration configuration = new Configuration(Region.of(region), credentials, http,
        ClientOverrideConfiguration.builder()
            .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(sdk.attempts())
                .build())
            .apiCallAttemptTimeout(sdk.attemptTimeout())
            .apiCallTimeout(sdk.callTimeout())
            .addMetricPublisher(throttledAttempts)
            .build());
    return new AwsClients(configuration.applyTo(SsmClient.builder()), configuration.applyTo(AutoScalingClient.builder()),
        () -> configuration.applyTo(LambdaClient.builder()), () -> configuration.applyTo(SqsClient.builder()),
        throttledAttempts::takeCount);
  }

  public SsmClient ssm() {
    return ssm;
  }

  public AutoScalingClient autoScaling() {
    return autoScaling;
  }

  /** Built on the first call. */
  public LambdaClient lambda() {
    return lambda.get();
  }

  /** Built on the first call. */
  public SqsClient sqs() {
    return sqs.get();
  }

  /** The attempts AWS throttled since this was last asked, over every client here. */
  public long takeThrottledCount() {
    return throttledCount.getAsLong();
  }

  /** Closes every client built: the function's live as long as its execution environment; the priming's do not. */
  @Override
  public void close() {
    ssm.close();
    autoScaling.close();
    lambda.ifBuilt(LambdaClient::close);
    sqs.ifBuilt(SqsClient::close);
  }

  /** A client built on the first call, at most once. */
  private static final class BuiltOnce<T> implements Supplier<T> {
    private final Supplier<T> build;
    private T built;

    BuiltOnce(Supplier<T> build) {
      this.build = build;
    }

    @Override
    public synchronized T get() {
      if (built == null) {
        built = build.get();
      }
      return built;
    }

    synchronized void ifBuilt(Consumer<T> use) {
      if (built != null) {
        use.accept(built);
      }
    }
  }

  /** What every client shares: the Region, credentials, transport, retries and timeouts, the throttling count. */
  private record Configuration(Region region, AwsCredentialsProvider credentials, SdkHttpClient http,
      ClientOverrideConfiguration overrides) {

    <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C applyTo(B builder) {
      return builder
          .region(region)
          .credentialsProvider(credentials)
          .httpClient(http)
          .overrideConfiguration(overrides)
          .build();
    }
  }
}
