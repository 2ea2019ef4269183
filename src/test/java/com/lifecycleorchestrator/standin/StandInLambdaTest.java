package com.lifecycleorchestrator.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.core.Clock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * Lambda's {@code Invoke} through the SDK for Java's own Lambda client, the one the function will
 * hand a long wait over with: an asynchronous invocation is accepted with 202 and delivered on
 * another thread, a synchronous one answers with what the function returned or its error.
 */
class StandInLambdaTest {

  private static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:lifecycle-orchestrator:live";

  private final AwsStandIn standIn = AwsStandIn.start(Clock.SYSTEM);
  private final LambdaClient lambda = LambdaClient.builder()
      .endpointOverride(standIn.endpoint())
      .region(Region.US_EAST_1)
      .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
      .httpClient(UrlConnectionHttpClient.create())
      .build();

  @AfterEach
  void stop() {
    lambda.close();
    standIn.close();
  }

  @Test
  void anEventInvocationIsAcceptedAtOnceAndDeliveredLater() throws InterruptedException {
    standIn.lambda().function("lifecycle-orchestrator", payload -> payload);

    InvokeResponse accepted = lambda.invoke(request -> request.functionName(FUNCTION_ARN)
        .invocationType(InvocationType.EVENT).payload(SdkBytes.fromUtf8String("{\"continue\":true}")));

    assertEquals(202, accepted.statusCode());
    assertTrue(standIn.lambda().awaitDeliveries(Duration.ofSeconds(10)));
    StandInLambda.Delivery delivery = standIn.lambda().deliveries().get(0);
    assertEquals("{\"continue\":true}", new String(delivery.payload(), StandardCharsets.UTF_8));
    assertEquals(Optional.of("live"), delivery.qualifier());
    assertEquals(Optional.empty(), delivery.failure());
    assertEquals("Event", standIn.calls("Invoke").get(0).member("InvocationType").orElseThrow());
  }

  @Test
  void aDeliveryThatFailsIsKeptWithItsFailure() throws InterruptedException {
    standIn.lambda().function("lifecycle-orchestrator", payload -> {
      throw new IllegalStateException("out of time");
    });

    lambda.invoke(request -> request.functionName("lifecycle-orchestrator").invocationType(InvocationType.EVENT));

    assertTrue(standIn.lambda().awaitDeliveries(Duration.ofSeconds(10)));
    assertEquals(Optional.of("IllegalStateException: out of time"),
        standIn.lambda().deliveries().get(0).failure());
  }

  @Test
  void anUnknownFunctionIsNotFound() {
    ResourceNotFoundException missing = assertThrows(ResourceNotFoundException.class,
        () -> lambda.invoke(request -> request.functionName("nowhere").invocationType(InvocationType.EVENT)));

    assertEquals(404, missing.statusCode());
    assertEquals(List.of("ResourceNotFoundException"),
        standIn.calls("Invoke").stream().map(AwsStandIn.Call::answer).toList());
  }
}
