package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Timings;
import java.time.Duration;
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
 * Builds the AWS clients once per cold start: one light HTTP client shared by all, the Region and
 * credentials read straight from the Lambda environment rather than searched for along the default
 * provider chains, and the SDK's standard retry strategy with enough attempts to ride out throttling.
 * Endpoints are left to the SDK, so its standard variables ({@code AWS_ENDPOINT_URL},
 * {@code AWS_ENDPOINT_URL_SSM}, ...) point the function elsewhere without code of ours.
 */
public final class AwsClients implements ServiceClients {

  private final Region region;
  private final AwsCredentialsProvider credentials;
  private final SdkHttpClient http;
  private final ClientOverrideConfiguration overrides;
  private final ThrottledAttempts throttledAttempts = new ThrottledAttempts();

  private AwsClients(Region region, AwsCredentialsProvider credentials, SdkHttpClient http, Timings.Sdk sdk) {
    this.region = region;
    this.credentials = credentials;
    this.http = http;
    this.overrides = ClientOverrideConfiguration.builder()
        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
            .maxAttempts(sdk.attempts())
            .build())
        .apiCallAttemptTimeout(sdk.attemptTimeout())
        .apiCallTimeout(sdk.callTimeout())
        .addMetricPublisher(throttledAttempts)
        .build();
  }

  /** The attempts AWS throttled, over every client built here. */
  @Override
  public long takeThrottledCount() {
    return throttledAttempts.takeCount();
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
    return new AwsClients(Region.of(region), credentials, http, sdk);
  }

  @Override
  public SsmClient ssm() {
    return configured(SsmClient.builder());
  }

  @Override
  public LambdaClient lambda() {
    return configured(LambdaClient.builder());
  }

  @Override
  public SqsClient sqs() {
    return configured(SqsClient.builder());
  }

  @Override
  public AutoScalingClient autoScaling() {
    return configured(AutoScalingClient.builder());
  }

  /** Any service's client with the Region, credentials, transport and retries of them all. */
  private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C configured(B builder) {
    return builder
        .region(region)
        .credentialsProvider(credentials)
        .httpClient(http)
        .overrideConfiguration(overrides)
        .build();
  }
}
